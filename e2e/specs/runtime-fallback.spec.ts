// WebGPU failure paths on a real (SwiftShader) GPU, forced by a custom engine worker that wraps the
// ort-web backend (fixtures/fault-worker.ts): a session that fails to build falls back to WASM with its
// reason; a device lost mid-run still answers.
import { catalog, compareTensors, expect, faultWorker, referenceRun, test } from '../fixtures/index.js'

test.skip(({ backend }) => backend !== 'webgpu', 'needs a real WebGPU adapter')

test('a WebGPU session failure falls back to WASM with reason session-failed', async ({
  openRuntimePage,
}) => {
  const m = catalog.ocrCls
  const rp = await openRuntimePage()
  await rp.createRuntime({ workerUrl: faultWorker('fail-webgpu-session') })
  const model = await rp.mustLoad(m.name)
  expect(model.backend).toBe('wasm')
  expect(model.fallback?.from).toBe('webgpu')
  expect(model.fallback?.reason).toMatch(/^session-failed/)

  const feeds = m.inputs(31)
  const [got, want] = await Promise.all([rp.mustRun(m.name, feeds), referenceRun(m.file, feeds)])
  expect(compareTensors(got, want, 1e-4)).toBeNull()
})

test('a device lost mid-run moves the model to WASM and in-flight requests still get results', async ({
  openRuntimePage,
}) => {
  const m = catalog.sileroVad
  const rp = await openRuntimePage()
  await rp.createRuntime({ workerUrl: faultWorker('lose-device-after=1') })
  const model = await rp.mustLoad(m.name)
  expect(model.backend).toBe('webgpu')

  const first = m.inputs(41)
  const r1 = await rp.run(m.name, first)
  expect(r1.ok, JSON.stringify(!r1.ok && r1.error)).toBe(true)
  // The device is gone after the first run: queued and later requests must still answer, on WASM.
  const feeds = m.inputs(42)
  const want = await referenceRun(m.file, feeds)
  const results = await rp.runMany(m.name, feeds, 3)
  for (const r of results) {
    expect(r.ok, JSON.stringify(!r.ok && r.error)).toBe(true)
    if (!r.ok) continue
    expect(compareTensors(r.outputs, want, 2e-3)).toBeNull()
  }
  const last = results.at(-1)!
  expect(last.ok && last.backend).toBe('wasm')
  expect(last.ok && last.fallback?.from).toBe('webgpu')
  expect(last.ok && last.fallback?.reason).toMatch(/^device-lost/)
  const again = await rp.run(m.name, feeds)
  expect(again.ok && compareTensors(again.outputs, want, 1e-4)).toBeNull()
})

test('the WebGPU build of ONNX Runtime failing to load: the model still loads, on WASM, with the reason', async ({
  openRuntimePage,
  page,
}) => {
  const m = catalog.ocrCls
  let refused = 0
  await page.context().route(/\/ort\.webgpu\.min\.mjs$/, (route) => {
    refused++
    return route.fulfill({ status: 503, body: 'unavailable' })
  })
  const rp = await openRuntimePage()
  await rp.createRuntime()
  const model = await rp.mustLoad(m.name)
  expect(refused).toBeGreaterThan(0)
  expect(model.backend).toBe('wasm')
  expect(model.fallback).toMatchObject({ from: 'webgpu', reason: expect.stringMatching(/^session-failed/) })
  const feeds = m.inputs(33)
  const [got, want] = await Promise.all([rp.mustRun(m.name, feeds), referenceRun(m.file, feeds)])
  expect(compareTensors(got, want, 1e-4)).toBeNull()
})
