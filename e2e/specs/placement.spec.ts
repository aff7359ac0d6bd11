// Issue 18: device or edge, one API. A page's runtime with `createRuntime({ registry, edge })` against a real
// registry and a real Ferry Edge on Node (another origin: CORS): forced edge and forced device give the same
// outputs for every seeded model; `auto` goes to the edge over the device budget, when every device backend
// fails (injected by wrapping the backend) and once a model crashes the worker three times (MODEL_TOO_LARGE),
// retrying the crashed calls there; warm start answers from the edge while the device downloads (registry
// throttled by the proxy), then moves; edge down → the device, or EDGE_UNREACHABLE with the device's reason;
// a version whose files differ on the edge → EDGE_MISMATCH.

import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { serveEdge } from '@ferry/edge/node'
import {
  catalog,
  compareTensors,
  expect,
  faultWorker,
  publish,
  publishDigits,
  type RuntimePage,
  randomFloat32,
  startRegistry,
  test,
  type WireTensors,
} from '../fixtures/index.js'

const tolerance = { wasm: 1e-4, webgpu: 2e-3 } as const

/** A URL on which nothing listens (a port bound, then freed): an edge that is down. */
async function deadUrl(): Promise<string> {
  const s = createServer()
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r))
  const { port } = s.address() as { port: number }
  await new Promise((r) => s.close(r))
  return `http://127.0.0.1:${port}`
}

async function mustRun(rp: RuntimePage, key: string, feeds: WireTensors) {
  const r = await rp.run(key, feeds)
  if (!r.ok) throw new Error(`run ${key} failed: ${r.error.code}: ${r.error.message}`)
  return r
}

const vad = catalog.sileroVad

test('forced edge and forced device give the same outputs for every seeded model', async ({
  openRuntimePage,
  registry,
  edge,
  backend,
}) => {
  test.setTimeout(backend === 'webgpu' ? 240_000 : 120_000)
  await publishDigits(registry)
  const rp = await openRuntimePage()
  await rp.createRuntime({ edge: edge.url })
  const digits = { name: 'digits', inputs: () => ({ x: randomFloat32([2, 784], 9, 0, 1) }) }
  for (const m of [vad, catalog.ocrCls, catalog.ocrDet, digits]) {
    const device = await rp.mustLoad(m.name, { placement: 'device' }, `${m.name}/device`)
    const onEdge = await rp.mustLoad(m.name, { placement: 'edge' }, `${m.name}/edge`)
    expect(device).toMatchObject({ placement: 'device', backend, edge: null })
    expect(onEdge).toMatchObject({
      placement: 'edge',
      backend: 'edge',
      version: device.version,
      fallback: null,
    })
    expect(onEdge.edge?.url).toBe(`${edge.url}/`)
    const feeds = m.inputs()
    const d = await mustRun(rp, `${m.name}/device`, feeds)
    const e = await mustRun(rp, `${m.name}/edge`, feeds)
    expect(d.info).toMatchObject({ placement: 'device', backend })
    expect(e.info).toMatchObject({ placement: 'edge', backend: onEdge.edge?.backend, batch: 1 })
    expect(e.info.networkMs).toBeGreaterThanOrEqual(0)
    expect(compareTensors(e.outputs, d.outputs, tolerance[backend]), m.name).toBeNull()
  }
  const edgeRuns = (await rp.events()).filter((e) => e.type === 'inference' && e.placement === 'edge')
  expect(edgeRuns).toHaveLength(4)
})

test('auto: a model over the device budget goes to the edge and says why; edge down too → EDGE_UNREACHABLE with that reason', async ({
  openRuntimePage,
  edge,
  backend,
}) => {
  test.skip(backend === 'webgpu', 'a budget does not depend on the device; the wasm project covers it')
  const rp = await openRuntimePage()
  await rp.createRuntime({ edge: edge.url, cache: { maxBytes: 200_000 } })
  const m = await rp.mustLoad(catalog.ocrCls.name)
  expect(m.placement).toBe('edge')
  expect(m.fallback?.reason).toMatch(/^over-device-budget: \d+ bytes > the cache budget of 200000 bytes$/)
  const r = await mustRun(rp, catalog.ocrCls.name, catalog.ocrCls.inputs())
  expect(r.info.placement).toBe('edge')
  expect(await rp.events()).toContainEqual(
    expect.objectContaining({ type: 'fallback', placement: 'edge', reason: m.fallback?.reason }),
  )

  await rp.createRuntime({ edge: await deadUrl(), cache: { maxBytes: 200_000 } }, 'down')
  const down = await rp.load(catalog.ocrCls.name, {}, 'down', 'down')
  expect(!down.ok && down.error.code).toBe('EDGE_UNREACHABLE')
  expect(!down.ok && down.error.message).toMatch(/and the device cannot run ocr-cls@\d+: over-device-budget/)
})

test('auto: when every device backend fails, the edge runs the model', async ({ openRuntimePage, edge }) => {
  const rp = await openRuntimePage()
  await rp.createRuntime({ edge: edge.url, workerUrl: faultWorker('fail-sessions') })
  expect((await rp.mustLoad(vad.name)).placement).toBe('edge') // the edge opened first (warm start), or after
  expect((await mustRun(rp, vad.name, vad.inputs(4))).info.placement).toBe('edge')
  await expect
    .poll(async () => (await rp.model(vad.name))?.fallback?.reason)
    .toMatch(/^device-unavailable: .*forced by the e2e fault worker/)
  expect((await mustRun(rp, vad.name, vad.inputs(5))).info.placement).toBe('edge')
})

test('auto: calls that crash the worker are answered by the edge; at MODEL_TOO_LARGE the model moves there', async ({
  openRuntimePage,
  edge,
  backend,
}) => {
  test.skip(backend === 'webgpu', 'a crash does not depend on the device; the wasm project covers it')
  const m = catalog.ocrCls
  const rp = await openRuntimePage()
  await rp.createRuntime({ edge: edge.url, workerUrl: faultWorker('crash-on-nan') })
  await rp.mustLoad(m.name, { placement: 'device' }) // in the cache now: `auto` loads it on the device
  await rp.unload(m.name)
  expect((await rp.mustLoad(m.name)).placement).toBe('device')
  const feeds = m.inputs(6)
  const x = feeds.x as WireTensors[string]
  const nan = { ...feeds, x: { ...x, data: [Number.NaN, ...x.data.slice(1)] } }
  for (let i = 0; i < 3; i++) {
    const r = await mustRun(rp, m.name, nan) // the worker dies; the call is retried on the edge
    expect(r.info.placement).toBe('edge')
    expect(r.placement).toBe('device')
  }
  // Three crashes within a minute: MODEL_TOO_LARGE on the device, so the model moves to the edge.
  const after = await mustRun(rp, m.name, m.inputs(7))
  expect(after.placement).toBe('edge')
  expect((await rp.model(m.name))?.fallback?.reason).toMatch(/^model-too-large: /)
})

test('warm start: the first call is answered by the edge while the device downloads; later calls by the device', async ({
  openRuntimePage,
  registryProxy,
  edge,
  backend,
}) => {
  // The page's registry is throttled (64 KiB every 100 ms: about 3 s for the model); the edge's is not.
  const proxy = await registryProxy({ throttleMs: 100, throttle: (p) => p.startsWith('/v1/blobs/') })
  const rp = await openRuntimePage({ registry: proxy.url })
  await rp.createRuntime({ edge: edge.url })
  const load = await rp.load(vad.name)
  if (!load.ok) throw new Error(load.error.message)
  expect(load.model).toMatchObject({ placement: 'edge', fallback: { reason: 'warm-start' } })
  expect(load.progress.map((p) => p.phase)).not.toContain('ready')
  const feeds = vad.inputs(8)
  const first = await mustRun(rp, vad.name, feeds)
  expect(first.info.placement).toBe('edge')
  expect((await rp.model(vad.name))?.placement).toBe('edge') // the device is still downloading
  await expect.poll(async () => (await rp.model(vad.name))?.placement, { timeout: 60_000 }).toBe('device')
  const later = await mustRun(rp, vad.name, feeds)
  expect(later.info).toMatchObject({ placement: 'device', backend })
  expect(compareTensors(later.outputs, first.outputs, tolerance[backend])).toBeNull()
  // Placement changes (the engine's own fallbacks, such as WebGPU → WASM, carry no placement).
  const moves = (await rp.events())
    .filter((e) => e.type === 'fallback' && e.placement)
    .map((e) => [e.placement, e.reason])
  expect(moves).toEqual([
    ['edge', 'warm-start'],
    ['device', 'device-ready'],
  ])
})

test('auto: edge down with a capable device → the device', async ({ openRuntimePage, backend }) => {
  test.skip(backend === 'webgpu', 'the decision does not depend on the device; the wasm project covers it')
  const rp = await openRuntimePage()
  await rp.createRuntime({ edge: await deadUrl() })
  const m = await rp.mustLoad(vad.name)
  expect(m).toMatchObject({ placement: 'device', backend })
  expect((await mustRun(rp, vad.name, vad.inputs(9))).info.placement).toBe('device')
  expect(await rp.events()).toContainEqual(
    expect.objectContaining({ type: 'error', code: 'EDGE_UNREACHABLE' }),
  )
})

test('a version whose files differ on the edge is EDGE_MISMATCH, never a silent other model', async ({
  openRuntimePage,
  published,
  backend,
}) => {
  test.skip(backend === 'webgpu', 'the check does not depend on the device; the wasm project covers it')
  // Another registry where silero-vad has the same version number but other bytes, and an edge following it.
  const other = await startRegistry()
  const cacheDir = await mkdtemp(path.join(tmpdir(), 'ferry-e2e-edge-'))
  const wrong = await serveEdge({ registry: other.url, port: 0, grpcPort: null, cacheDir, log: () => {} })
  try {
    for (let v = 0; v < published.sileroVad.version; v++)
      await publish(other.url, other.token, vad.name, { 'model.onnx': catalog.ocrCls.file })
    const rp = await openRuntimePage()
    await rp.createRuntime({ edge: wrong.url, cache: { maxBytes: 1000 } })
    const version = published.sileroVad.version
    for (const placement of ['edge', 'auto']) {
      const r = await rp.load(vad.name, { version, placement }, `${vad.name}/${placement}`)
      expect(!r.ok && r.error.code, placement).toBe('EDGE_MISMATCH')
      expect(!r.ok && r.error.message).toMatch(/other files than the registry's/)
    }
  } finally {
    await wrong.close()
    await other.close()
    await rm(cacheDir, { recursive: true, force: true, maxRetries: 5 })
  }
})
