// The engine seam's behaviours in real Chromium: faults injected by a custom engine worker that wraps the
// ort-web backend (fixtures/fault-worker.ts). A software WebGPU adapter is passed over by `auto`; WebGPU
// runs that fail move models to WASM without a caller seeing an error; the session pool never releases a
// session with queued work, and releasing every WebGPU session keeps the device; a worker that dies fails
// its calls with WORKER_CRASHED and the next call works.
import { execFile } from 'node:child_process'
import path from 'node:path'
import { promisify } from 'node:util'
import {
  catalog,
  compareTensors,
  expect,
  faultWorker,
  int64,
  randomFloat32,
  referenceRun,
  repoRoot,
  test,
  type WireTensors,
} from '../fixtures/index.js'

const nan = (feeds: WireTensors): WireTensors => {
  const [k, t] = Object.entries(feeds)[0] as [string, WireTensors[string]]
  return { ...feeds, [k]: { ...t, data: [Number.NaN, ...t.data.slice(1)] } }
}

test.describe('on SwiftShader (a software WebGPU adapter)', () => {
  test.skip(({ backend }) => backend !== 'webgpu', 'needs the WebGPU flag')

  test('auto passes over it for WASM with reason software-adapter; asking for WebGPU by name still gets it', async ({
    openRuntimePage,
  }) => {
    const m = catalog.ocrCls
    const rp = await openRuntimePage()
    await rp.createRuntime({ backends: undefined })
    const auto = await rp.mustLoad(m.name)
    expect(auto.backend).toBe('wasm')
    expect(auto.fallback).toMatchObject({
      from: 'webgpu',
      reason: expect.stringMatching(/^software-adapter: /),
    })
    await rp.unload(m.name)
    const named = await rp.mustLoad(m.name, { backend: 'webgpu' })
    expect(named.backend).toBe('webgpu')
    expect(named.fallback).toBeNull()
  })

  test('concurrent runs over three WebGPU models whose runs start failing: 0 errors, each moves to WASM with a fallback event', async ({
    openRuntimePage,
  }) => {
    const rp = await openRuntimePage()
    await rp.createRuntime({ workerUrl: faultWorker('fail-webgpu-runs=4') })
    const models = [catalog.sileroVad, catalog.ocrCls, catalog.ocrDet]
    for (const m of models) expect((await rp.mustLoad(m.name)).backend).toBe('webgpu')
    const feeds = models.map((m, i) => m.inputs(50 + i))
    const want = await Promise.all(models.map((m, i) => referenceRun(m.file, feeds[i] as WireTensors)))
    const runs = await Promise.all(models.map((m, i) => rp.runMany(m.name, feeds[i] as WireTensors, 4)))
    runs.forEach((results, i) => {
      for (const r of results) {
        expect(r.ok, JSON.stringify(!r.ok && r.error)).toBe(true)
        if (r.ok) expect(compareTensors(r.outputs, want[i] as WireTensors, 5e-3)).toBeNull()
      }
    })
    const last = await Promise.all(models.map((m, i) => rp.run(m.name, feeds[i] as WireTensors)))
    for (const r of last) expect(r.ok && r.backend).toBe('wasm')
    const fallbacks = (await rp.events()).filter((e) => e.type === 'fallback')
    expect(fallbacks.length).toBe(3)
    for (const f of fallbacks)
      expect(f).toMatchObject({ from: 'webgpu', to: 'wasm', reason: expect.stringMatching(/^run-failed: /) })
  })

  // Before the ort-web backend queued everything on the device, creating PP-OCR's detector while another
  // model ran there failed inside ORT's WebGPU EP ("setPipeline … parameter 1 is not of type
  // 'GPUComputePipeline'"), and the WASM session made next, on the same ORT module, hit "memory access
  // out of bounds". WASM sessions now have an ORT module of their own.
  test('a model created on WebGPU while another runs there: both work', async ({ openRuntimePage }) => {
    const [vad, det] = [catalog.sileroVad, catalog.ocrDet]
    const rp = await openRuntimePage()
    await rp.createRuntime()
    expect((await rp.mustLoad(vad.name)).backend).toBe('webgpu')
    let stop = false
    const running = (async () => {
      const results = []
      for (let i = 0; !stop; i++) results.push(await rp.run(vad.name, vad.inputs(60 + i)))
      return results
    })()
    const loaded = await rp.mustLoad(det.name)
    stop = true
    for (const r of await running) expect(r.ok, JSON.stringify(!r.ok && r.error)).toBe(true)
    expect(loaded.backend).toBe('webgpu')
    expect(loaded.fallback).toBeNull()
    const feeds = det.inputs(61)
    const r = await rp.run(det.name, feeds)
    expect(r.ok && r.backend).toBe('webgpu')
    expect(r.ok && compareTensors(r.outputs, await referenceRun(det.file, feeds), 2e-3)).toBeNull()
  })

  test('releasing every WebGPU session keeps the device: the next model loads on WebGPU with no fallback', async ({
    openRuntimePage,
  }) => {
    const rp = await openRuntimePage()
    await rp.createRuntime()
    const a = catalog.ocrCls
    await rp.mustLoad(a.name)
    expect((await rp.run(a.name, a.inputs(1))).ok).toBe(true)
    expect((await rp.unload(a.name)).ok).toBe(true)
    expect(await rp.sessions()).toEqual([])
    const b = catalog.sileroVad
    const next = await rp.mustLoad(b.name)
    expect(next.backend).toBe('webgpu')
    expect(next.fallback).toBeNull()
    const r = await rp.run(b.name, b.inputs(2))
    expect(r.ok && compareTensors(r.outputs, await referenceRun(b.file, b.inputs(2)), 2e-3)).toBeNull()
  })
})

test('the session pool: more models than the budget, and the one with queued work is never released', async ({
  openRuntimePage,
  backend,
}) => {
  test.skip(backend === 'webgpu', 'the pool does not depend on the device; the wasm project covers it')
  const [vad, cls, det] = [catalog.sileroVad, catalog.ocrCls, catalog.ocrDet]
  const rp = await openRuntimePage()
  // silero-vad's runs take 1.5 s more: its requests stay queued while the others load.
  await rp.createRuntime({ sessions: { maxCount: 2 }, workerUrl: faultWorker(`slow=${vad.name}:1500`) })
  await rp.mustLoad(vad.name)
  await rp.mustLoad(cls.name)
  expect((await rp.run(cls.name, cls.inputs(1))).ok).toBe(true)
  const queued = rp.runMany(vad.name, vad.inputs(2), 3)
  await expect.poll(async () => (await rp.sessions()).find((s) => s.name === vad.name)?.running).toBe(1)
  await rp.mustLoad(det.name)
  const state = Object.fromEntries((await rp.sessions()).map((s) => [s.name, s.state]))
  expect(state).toEqual({ [vad.name]: 'ready', [cls.name]: 'released', [det.name]: 'ready' })
  for (const r of await queued) expect(r.ok, JSON.stringify(!r.ok && r.error)).toBe(true)
  // The released one is re-created on its next run, from the bytes on the device.
  const again = await rp.run(cls.name, cls.inputs(3))
  expect(
    again.ok && compareTensors(again.outputs, await referenceRun(cls.file, cls.inputs(3)), 5e-3),
  ).toBeNull()
  const stats = await rp.sessions()
  expect(stats.find((s) => s.name === cls.name)).toMatchObject({ state: 'ready' })
  expect(stats.every((s) => typeof s.callsPerMin === 'number' && typeof s.queued === 'number')).toBe(true)
})

test('a worker killed mid-run fails its calls with WORKER_CRASHED; the next call works; three crashes in a minute are MODEL_TOO_LARGE', async ({
  openRuntimePage,
  backend,
}) => {
  test.skip(backend === 'webgpu', 'a crash does not depend on the device; the wasm project covers it')
  const m = catalog.ocrCls
  const rp = await openRuntimePage()
  await rp.createRuntime({ workerUrl: faultWorker('crash-on-nan') })
  await rp.mustLoad(m.name)
  const feeds = m.inputs(5)
  const crash = await rp.run(m.name, nan(feeds))
  expect(!crash.ok && crash.error.code).toBe('WORKER_CRASHED')
  const after = await rp.run(m.name, feeds)
  expect(after.ok, JSON.stringify(!after.ok && after.error)).toBe(true)
  expect(after.ok && compareTensors(after.outputs, await referenceRun(m.file, feeds), 5e-3)).toBeNull()
  for (let i = 0; i < 2; i++) expect((await rp.run(m.name, nan(feeds))).ok).toBe(false)
  const refused = await rp.run(m.name, feeds)
  expect(!refused.ok && refused.error.code).toBe('MODEL_TOO_LARGE')
})

test('Silero VAD v5 published with `ferry publish` (unnamed dims: input [?, ?], state [2, ?, 128]) runs and matches onnxruntime-node', async ({
  registry,
  openRuntimePage,
  backend,
}) => {
  test.skip(backend === 'webgpu', 'input checks do not depend on the device; the wasm project covers it')
  const file = path.join(repoRoot, 'node_modules/@ricky0123/vad-web/dist/silero_vad_v5.onnx')
  const cli = path.join(repoRoot, 'packages/registry-server/bin/ferry.js')
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [cli, 'publish', 'silero-vad-v5', file, '--json'],
    {
      // The CLI as a user runs it: from its build, not the sources the e2e process resolves.
      env: { ...process.env, NODE_OPTIONS: '', FERRY_REGISTRY: registry.url, FERRY_TOKEN: registry.token },
    },
  )
  expect(JSON.parse(stdout)).toMatchObject({ name: 'silero-vad-v5' })
  const rp = await openRuntimePage()
  await rp.createRuntime()
  const model = await rp.mustLoad('silero-vad-v5')
  expect(model.inputs.find((i) => i.name === 'input')?.shape).toEqual(['?', '?'])
  const feeds: WireTensors = {
    input: randomFloat32([1, 512], 71, -0.5, 0.5),
    state: randomFloat32([2, 1, 128], 72, -0.1, 0.1),
    sr: int64([], [16000]),
  }
  const r = await rp.run('silero-vad-v5', feeds)
  expect(r.ok, JSON.stringify(!r.ok && r.error)).toBe(true)
  expect(r.ok && compareTensors(r.outputs, await referenceRun(file, feeds), 2e-3)).toBeNull()
})
