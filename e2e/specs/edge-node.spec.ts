// Ferry Edge on Node over real sockets against a real registry: every seeded model's outputs equal
// onnxruntime-node's over REST JSON, REST binary and gRPC (several inputs/outputs, an int64 scalar,
// symbolic dims); 32 concurrent clients with batching visible in promtool-clean metrics; the registry
// killed (loaded models keep serving) and a restart with it down (cached models serve). Runs Node, not
// Chromium: covered once, in the wasm project.
import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { type RunningEdge, serveEdge } from '@ferry/edge/node'
import {
  catalog,
  compareTensors,
  expect,
  filledFloat32,
  fromOipJson,
  grpcClient,
  inferBinary,
  int64,
  oipJsonRequest,
  publish,
  publishDigits,
  type RunningRegistry,
  randomFloat32,
  referenceRun,
  repoRoot,
  startRegistry,
  test,
  type WireTensors,
} from '../fixtures/index.js'

test.skip(({ backend }) => backend !== 'wasm', 'runs Node, not Chromium: covered once in the wasm project')

const vadV5 = path.join(repoRoot, 'node_modules/@ricky0123/vad-web/dist/silero_vad_v5.onnx')
const digitsFile = path.join(repoRoot, 'packages/demo/models/digits.onnx')

/** Every model `npm start` seeds, with inputs (and the version the model follows). */
const cases: { model: string; version?: string; file: string; inputs: WireTensors }[] = [
  {
    model: 'silero-vad',
    version: 'stable',
    file: catalog.sileroVad.file,
    inputs: catalog.sileroVad.inputs(11),
  },
  {
    model: 'silero-vad',
    version: '2',
    file: vadV5,
    inputs: {
      input: randomFloat32([1, 512], 5, -0.5, 0.5),
      state: filledFloat32([2, 1, 128], 0),
      sr: int64([], [16000]),
    },
  },
  { model: 'ocr-det', file: catalog.ocrDet.file, inputs: catalog.ocrDet.inputs(4) },
  { model: 'ocr-cls', file: catalog.ocrCls.file, inputs: catalog.ocrCls.inputs(5) },
  { model: 'digits', file: digitsFile, inputs: { x: randomFloat32([1, 784], 6, 0, 1) } },
]

async function promtool(text: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const p = spawn('promtool', ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] })
    let out = ''
    p.stdout.on('data', (d) => (out += d))
    p.stderr.on('data', (d) => (out += d))
    p.on('close', (code) => resolve({ code, out }))
    p.stdin.end(text)
  })
}

test.describe('Ferry Edge on Node', () => {
  let edge: RunningEdge
  let cacheDir: string
  let registry: RunningRegistry

  // A registry of its own, seeded like `npm start` (the shared one's models must stay as other specs expect).
  test.beforeAll(async () => {
    registry = await startRegistry()
    for (const m of [catalog.sileroVad, catalog.ocrDet, catalog.ocrCls])
      await publish(registry.url, registry.token, m.name, { 'model.onnx': m.file }, { alias: 'stable' })
    await publish(registry.url, registry.token, 'silero-vad', { 'model.onnx': vadV5 })
    await publishDigits(registry)
    await publish(
      registry.url,
      registry.token,
      'digits-batched',
      { 'model.onnx': digitsFile },
      {
        runtime: { backends: ['wasm'], batching: { maxBatchSize: 32, maxDelayMs: 2 } },
      },
    )
    cacheDir = await mkdtemp(path.join(tmpdir(), 'ferry-e2e-edge-'))
    edge = await serveEdge({
      registry: registry.url,
      port: 0,
      grpcPort: 0,
      cacheDir,
      backends: ['wasm'],
      log: () => {},
    })
  })
  test.afterAll(async () => {
    await edge?.close()
    await registry?.close()
    await rm(cacheDir, { recursive: true, force: true, maxRetries: 5 })
  })

  test('every seeded model matches onnxruntime-node over REST JSON, REST binary and gRPC', async () => {
    test.setTimeout(180_000)
    const rpc = grpcClient(`127.0.0.1:${edge.grpcPort}`)
    try {
      for (const c of cases) {
        const expected = await referenceRun(c.file, c.inputs)
        const base = `${edge.url}/v2/models/${c.model}${c.version ? `/versions/${c.version}` : ''}`
        const meta = await (await fetch(base)).json()
        expect(meta.platform).toBe('onnxruntime_onnx')
        const res = await fetch(`${base}/infer`, {
          method: 'POST',
          body: JSON.stringify(oipJsonRequest(c.inputs)),
        })
        expect(res.status, `${c.model}: ${await res.clone().text()}`).toBe(200)
        expect(compareTensors(fromOipJson(await res.json()), expected, 1e-4), `${c.model} JSON`).toBeNull()
        const bin = await inferBinary(`${base}/infer`, c.inputs)
        expect(bin.status).toBe(200)
        expect(compareTensors(bin.outputs, expected, 1e-4), `${c.model} binary`).toBeNull()
        if (!c.version)
          expect(
            compareTensors(await rpc.infer(c.model, c.inputs), expected, 1e-4),
            `${c.model} gRPC`,
          ).toBeNull()
      }
    } finally {
      rpc.close()
    }
  })

  test('32 concurrent clients: no errors, batching visible in metrics that promtool accepts', async () => {
    test.setTimeout(120_000)
    const url = `${edge.url}/v2/models/digits-batched/infer`
    const client = async (i: number) => {
      for (let k = 0; k < 8; k++) {
        const body = oipJsonRequest({ x: randomFloat32([1, 784], i * 100 + k, 0, 1) })
        const res = await fetch(url, { method: 'POST', body: JSON.stringify(body) })
        expect(res.status, await res.clone().text()).toBe(200)
        expect((await res.json()).outputs[0].shape).toEqual([1, 10])
      }
    }
    await Promise.all(Array.from({ length: 32 }, (_, i) => client(i)))
    const text = await (await fetch(`${edge.url}/metrics`)).text()
    const value = (name: string, extra = '') =>
      Number(
        new RegExp(`^${name}\\{model="digits-batched",version="1"${extra}\\} (\\d+)`, 'm').exec(text)?.[1] ??
          'NaN',
      )
    expect(value('ferry_edge_inference_requests_total', ',outcome="success"')).toBe(256)
    expect(value('ferry_edge_inferences_total')).toBe(256)
    expect(value('ferry_edge_executions_total')).toBeLessThan(256)
    const check = await promtool(text)
    expect(check.code, check.out).toBe(0)
  })
})

test('registry killed: loaded models keep serving; a restart with it down serves the cached models', async () => {
  test.setTimeout(120_000)
  const registry = await startRegistry()
  const cacheDir = await mkdtemp(path.join(tmpdir(), 'ferry-e2e-edge-'))
  const m = catalog.ocrCls
  const expected = await referenceRun(m.file, m.inputs(9))
  const body = JSON.stringify(oipJsonRequest(m.inputs(9)))
  let edge: RunningEdge | undefined
  try {
    await publish(registry.url, registry.token, m.name, { 'model.onnx': m.file }, { alias: 'stable' })
    const opts = {
      port: 0,
      grpcPort: null,
      cacheDir,
      backends: ['wasm' as const],
      models: [m.name],
      pollMs: 200,
      log: () => {},
    }
    edge = await serveEdge({ registry: registry.url, ...opts })
    expect((await edge.app.edge.preload).failed).toEqual([])
    await registry.close()
    await new Promise((r) => setTimeout(r, 500)) // a few polls against the dead registry
    const during = await fetch(`${edge.url}/v2/models/${m.name}/infer`, { method: 'POST', body })
    expect(during.status).toBe(200)
    expect(compareTensors(fromOipJson(await during.json()), expected, 1e-4)).toBeNull()
    await edge.close()
    edge = await serveEdge({ registry: registry.url, ...opts })
    expect((await edge.app.edge.preload).failed).toEqual([])
    expect((await fetch(`${edge.url}/v2/health/ready`)).status).toBe(200)
    const after = await fetch(`${edge.url}/v2/models/${m.name}/infer`, { method: 'POST', body })
    expect(after.status).toBe(200)
    expect(compareTensors(fromOipJson(await after.json()), expected, 1e-4)).toBeNull()
  } finally {
    await edge?.close()
    await rm(cacheDir, { recursive: true, force: true, maxRetries: 5 })
  }
})
