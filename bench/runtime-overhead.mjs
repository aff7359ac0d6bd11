// Runtime overhead benchmark (issue 3 "Performance"), WASM backend, Node, one process:
//  1. warm model.run p50 ÷ raw ONNX Runtime Web session.run p50 on a 4096×4096 MLP (goal ≤ 1.05);
//  2. added per-call overhead on a tiny model (goal ≤ 0.1 ms at p50).
// Modes: `in-thread` (worker: false) and `message-channel` (the worker API over a real MessageChannel
// in this thread: the worker's message protocol, structured clone and transfers, without a second thread).
// Both build the engine as a host does (createEngine on the ort-web backend, WASM only, an in-memory
// bytes cache); the raw baseline is a session of the same onnxruntime-web module. The message-channel
// rows also print their floor, raw+hop: that session reached by a bare postMessage over a MessageChannel
// (input posted as Ferry posts it, output posted back transferred), no Ferry code.
// Run: npm run build -w packages/runtime && node bench/runtime-overhead.mjs [--quick]
import * as ort from 'onnxruntime-web'
import { createRuntimeWith } from '../packages/runtime/dist/api/runtime.js'
import { ortWeb } from '../packages/runtime/dist/backends/ort-web/backend.js'
import { createMemoryCache } from '../packages/runtime/dist/cache/index.js'
import { createEngine } from '../packages/runtime/dist/engine/engine.js'
import { CLONE_MAX_BYTES } from '../packages/runtime/dist/engine/wire.js'
import { workerEngine } from '../packages/runtime/dist/worker/client.js'
import { serveEngine } from '../packages/runtime/dist/worker/server.js'
import { oneFileManifest } from './lib/common.mjs'
import { mlpOnnx, mlpSignature } from './lib/mlp-onnx.mjs'

const quick = process.argv.includes('--quick')
const REG = 'http://bench.registry'

/** A minimal registry answering alias and blob requests from memory (loading is not what is measured). */
function memoryRegistry(models) {
  const blobs = new Map()
  const manifests = new Map()
  for (const [name, { bytes, sig }] of Object.entries(models)) {
    const manifest = oneFileManifest(name, bytes, sig)
    blobs.set(manifest.files[0].digest, bytes)
    manifests.set(name, manifest)
  }
  return async (input) => {
    const url = new URL(typeof input === 'string' ? input : input.url)
    const alias = /^\/v1\/models\/([^/]+)\/aliases\/latest$/.exec(url.pathname)
    if (alias) return Response.json(manifests.get(alias[1]), { headers: { etag: '"1"' } })
    const blob = /^\/v1\/blobs\/(.+)$/.exec(url.pathname)
    if (blob && blobs.has(blob[1])) return new Response(blobs.get(blob[1]))
    return Response.json({ error: { code: 'NOT_FOUND', message: url.pathname } }, { status: 404 })
  }
}

const loadOrt = async () => ort

/** The engine on ort-web's WASM, with this process's onnxruntime-web, the in-memory registry and cache. */
const engine = (config, emit, fetch) =>
  createEngine({
    ...config,
    fetch,
    cache: createMemoryCache(),
    backends: [ortWeb({ load: loadOrt, devices: ['wasm'], numThreads: 1 })],
    emit,
  })

function runtime(mode, fetch) {
  const host = {
    capabilities: {
      env: 'node',
      workers: true,
      webgpuApi: false,
      crossOriginIsolated: false,
      hardwareConcurrency: 1,
    },
    // The engine served on one end of a MessageChannel, the runtime's worker client on the other.
    worker: (s) =>
      workerEngine({
        start() {
          const { port1, port2 } = new MessageChannel()
          serveEngine(port1, (init, parts) => engine(init.config, parts.emit, fetch))
          return port2
        },
        init: { config: s.config, cache: {} },
        emit: s.emit,
      }),
    local: async (s) => engine(s.config, s.emit, fetch),
  }
  return createRuntimeWith(host, { registry: REG, worker: mode === 'message-channel', telemetry: false })
}

const p50 = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

/** Alternates the calls one by one (after warm-up) so load from other processes hits them alike; p50s. */
async function compare(calls, n, warm) {
  const ms = Object.fromEntries(Object.keys(calls).map((k) => [k, []]))
  for (let i = 0; i < warm; i++) for (const f of Object.values(calls)) await f()
  for (let i = 0; i < n; i++)
    for (const [k, f] of Object.entries(calls)) {
      const t = performance.now()
      await f()
      ms[k].push(performance.now() - t)
    }
  return Object.fromEntries(Object.entries(ms).map(([k, v]) => [k, p50(v)]))
}

/** `session` behind a bare MessageChannel hop in this thread: the floor of the message-channel mode. */
function bareHop(session, dim) {
  const { port1, port2 } = new MessageChannel()
  port1.onmessage = async ({ data }) => {
    const y = (await session.run({ x: new ort.Tensor('float32', data, [1, dim]) })).y.data
    port1.postMessage(y, [y.buffer])
  }
  let answer = () => {}
  port2.onmessage = ({ data }) => answer(data)
  return {
    run: (x) =>
      new Promise((resolve) => {
        answer = resolve
        // as Ferry posts inputs: a small array cloned, a large one copied and the copy transferred
        if (x.byteLength < CLONE_MAX_BYTES) return port2.postMessage(x)
        const c = x.slice()
        port2.postMessage(c, [c.buffer])
      }),
    close() {
      port1.close()
      port2.close()
    },
  }
}

ort.env.wasm.numThreads = 1
const big = quick ? 1024 : 4096
const models = {
  big: { bytes: mlpOnnx(big, big), sig: mlpSignature(big, big) },
  tiny: { bytes: mlpOnnx(8, 4), sig: mlpSignature(8, 4) },
}
const fetch = memoryRegistry(models)
const rows = []
for (const mode of ['in-thread', 'message-channel']) {
  const ferry = runtime(mode, fetch)
  for (const [key, n] of [
    ['big', quick ? 20 : 40],
    ['tiny', quick ? 1000 : 5000],
  ]) {
    const { bytes, sig } = models[key]
    const dim = sig.inputs[0].shape[1]
    const session = await ort.InferenceSession.create(bytes, {
      executionProviders: ['wasm'],
      graphOptimizationLevel: 'all',
    })
    const model = await ferry.load(key)
    const x = new Float32Array(dim).map((_, i) => (i % 7) / 7)
    const hop = mode === 'message-channel' ? bareHop(session, dim) : null
    const calls = {
      raw: () => session.run({ x: new ort.Tensor('float32', x, [1, dim]) }),
      ...(hop ? { hop: () => hop.run(x) } : {}),
      ferry: () => model.run({ x: { data: x, dims: [1, dim] } }),
    }
    const r = await compare(calls, n, 5)
    rows.push({ mode, model: key === 'big' ? `mlp ${big}x${big}` : 'mlp 8x4', ...r })
    hop?.close()
    await session.release()
    await model.unload()
  }
  await ferry.close()
}

console.log(
  `\nFerry runtime overhead — Node ${process.version}, ONNX Runtime Web ${ort.env.versions?.web ?? ''} WASM, 1 thread, in one process (not a browser)`,
)
console.log(
  'mode             model             raw p50 ms  raw+hop p50  ferry p50 ms  ratio   added ms  vs raw+hop',
)
const f = (v, w, d = 3) => (v === undefined ? '-' : v.toFixed(d)).padStart(w)
for (const r of rows)
  console.log(
    `${r.mode.padEnd(16)} ${r.model.padEnd(17)} ${f(r.raw, 10)}  ${f(r.hop, 11)}  ${f(r.ferry, 12)}  ${f(r.ferry / r.raw, 5)}  ${f(r.ferry - r.raw, 8)}  ${f(r.hop === undefined ? undefined : r.ferry - r.hop, 10)}`,
  )
console.log(
  'raw+hop: the floor of the message-channel rows (a bare postMessage round trip to the raw session)',
)
console.log('goals: big-MLP ratio <= 1.05; tiny-model added ms <= 0.1 (p50)')
