// Runtime overhead benchmark (issue 3 "Performance"), WASM backend, Node, one process:
//  1. warm model.run p50 ÷ raw ONNX Runtime Web session.run p50 on a 4096×4096 MLP (goal ≤ 1.05);
//  2. added per-call overhead on a tiny model (goal ≤ 0.1 ms at p50).
// Modes: `in-thread` (worker: false) and `message-channel` (the worker API over a real MessageChannel
// in this thread: Comlink, structured clone and transfers, without a second thread).
// Run: npm run build -w packages/runtime && node bench/runtime-overhead.mjs [--quick]
import * as ort from 'onnxruntime-web'
import { createRuntimeWith } from '../packages/runtime/dist/api/runtime.js'
import { createEngine } from '../packages/runtime/dist/engine/engine.js'
import { exposeEngine } from '../packages/runtime/dist/worker/expose.js'
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

function runtime(mode, fetch) {
  const platform = {
    workers: mode === 'message-channel',
    startWorker() {
      const { port1, port2 } = new MessageChannel()
      exposeEngine(port1, loadOrt, {}, { fetch })
      return port2
    },
    localEngine: async (config, deps) => createEngine(config, { ...deps, fetch, loadOrt }),
  }
  return createRuntimeWith(platform, { registry: REG, worker: mode === 'message-channel', telemetry: false })
}

const p50 = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

/** Alternates raw and Ferry call by call (after warm-up) so load from other processes hits both alike. */
async function compare(raw, ferry, n, warm) {
  for (let i = 0; i < warm; i++) {
    await raw()
    await ferry()
  }
  const a = []
  const b = []
  for (let i = 0; i < n; i++) {
    let t = performance.now()
    await raw()
    a.push(performance.now() - t)
    t = performance.now()
    await ferry()
    b.push(performance.now() - t)
  }
  return { raw: p50(a), ferry: p50(b) }
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
    const raw = () => session.run({ x: new ort.Tensor('float32', x, [1, dim]) })
    const run = () => model.run({ x: { data: x, dims: [1, dim] } })
    const r = await compare(raw, run, n, 5)
    rows.push({ mode, model: key === 'big' ? `mlp ${big}x${big}` : 'mlp 8x4', ...r })
    await session.release()
    await model.unload()
  }
  await ferry.close()
}

console.log(
  `\nFerry runtime overhead — Node ${process.version}, ONNX Runtime Web ${ort.env.versions?.web ?? ''} WASM, 1 thread, in one process (not a browser)`,
)
console.log('mode             model             raw p50 ms  ferry p50 ms  ratio   added ms')
for (const r of rows)
  console.log(
    `${r.mode.padEnd(16)} ${r.model.padEnd(17)} ${r.raw.toFixed(3).padStart(10)}  ${r.ferry.toFixed(3).padStart(12)}  ${(r.ferry / r.raw).toFixed(3).padStart(5)}  ${(r.ferry - r.raw).toFixed(3).padStart(8)}`,
  )
console.log('goals: big-MLP ratio <= 1.05; tiny-model added ms <= 0.1 (p50)')
