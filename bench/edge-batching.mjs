// Ferry Edge, 32 concurrent clients on a batchable model (a ${N}×${N} MLP with runtime.batching): requests/s
// through Ferry Edge ÷ the naive server (Hono + the same onnxruntime-web backend, one session.run per
// request), goal ≥ 4×. Floor: raw session.run rows/s at batch 1 and at batch 32 (no HTTP, no Ferry).
// Run: npm run build && node bench/edge-batching.mjs [--quick]
import { Worker } from 'node:worker_threads'
import { edgeOn, fmt, naiveServer, ort, registryWith } from './lib/edge.mjs'
import { mlpOnnx, mlpSignature } from './lib/mlp-onnx.mjs'

const quick = process.argv.includes('--quick')
const N = Number(process.env.MLP ?? 4096)
const CLIENTS = 32
const SECONDS = quick ? 3 : 8
const bytes = mlpOnnx(N, N)

/** 32 clients in a worker thread, each posting JSON requests in a loop for `seconds`; resolves { ok, errors }. */
function load(url, seconds) {
  const code = `
    const { workerData, parentPort } = require('node:worker_threads')
    const { url, seconds, clients, n } = workerData
    const body = JSON.stringify({ inputs: [{ name: 'x', datatype: 'FP32', shape: [1, n], data: Array.from({ length: n }, (_, i) => (i % 7) / 7) }] })
    let ok = 0, errors = 0
    const end = Date.now() + seconds * 1000
    const client = async () => {
      while (Date.now() < end) {
        const r = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json' } }).catch(() => null)
        if (r && r.ok) { await r.arrayBuffer(); ok++ } else { errors++; if (r) await r.arrayBuffer() }
      }
    }
    Promise.all(Array.from({ length: clients }, client)).then(() => parentPort.postMessage({ ok, errors }))
  `
  return new Promise((resolve, reject) => {
    const w = new Worker(code, { eval: true, workerData: { url, seconds, clients: CLIENTS, n: N } })
    w.once('message', (m) => {
      resolve(m)
      void w.terminate()
    })
    w.once('error', reject)
  })
}

async function floor() {
  const s = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] })
  const out = {}
  for (const rows of [1, 32]) {
    const x = new ort.Tensor('float32', new Float32Array(rows * N).fill(0.5), [rows, N])
    for (let i = 0; i < 5; i++) await s.run({ x })
    const t = performance.now()
    let k = 0
    while (performance.now() - t < 1500) {
      await s.run({ x })
      k++
    }
    out[rows] = (k * rows) / ((performance.now() - t) / 1000)
  }
  await s.release()
  return out
}

const registry = await registryWith({
  mlp: {
    bytes,
    signature: mlpSignature(N, N),
    runtime: { backends: ['wasm'], batching: { maxBatchSize: 32, maxDelayMs: 2 } },
  },
})
const edge = await edgeOn(registry.url)
const naive = await naiveServer(bytes)
const edgeUrl = `${edge.url}/v2/models/mlp/infer`
const naiveUrl = `${naive.url}/v2/models/mlp/infer`
await load(edgeUrl, 1)
await load(naiveUrl, 1)
const rounds = []
for (let r = 0; r < 2; r++) {
  const n = await load(naiveUrl, SECONDS)
  const e = await load(edgeUrl, SECONDS)
  rounds.push({ naive: n.ok / SECONDS, edge: e.ok / SECONDS, errors: n.errors + e.errors })
}
const metrics = await (await fetch(`${edge.url}/metrics`)).text()
const count = (name) =>
  Number(new RegExp(`^${name}\\{model="mlp",version="1"\\} (\\d+)`, 'm').exec(metrics)?.[1])
const f = await floor()
console.log(`32 clients, ${SECONDS} s each, ${N}×${N} MLP, WASM (1 thread), JSON requests`)
console.log('round | naive req/s | edge req/s | edge ÷ naive | errors')
for (const [i, r] of rounds.entries())
  console.log(
    `${i + 1}     | ${fmt(r.naive, 0).padStart(11)} | ${fmt(r.edge, 0).padStart(10)} | ${fmt(r.edge / r.naive).padStart(12)} | ${r.errors}`,
  )
console.log(
  `edge: ${count('ferry_edge_inferences_total')} inferences in ${count('ferry_edge_executions_total')} runs`,
)
console.log(
  `floor: raw session.run ${fmt(f[1], 0)} rows/s at batch 1, ${fmt(f[32], 0)} rows/s at batch 32 (${fmt(f[32] / f[1])}×)`,
)
await naive.close()
await edge.close()
await registry.close()
