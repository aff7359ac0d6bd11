// Ferry Edge, a 1 MB input (262,144 float32) to one model, one client: p50 latency and bytes sent over
// REST JSON, REST with Triton's binary tensor extension, and gRPC raw_input_contents (no goal: which
// encoding to use for large tensors). The model (262,144 → 4 MLP, WASM) runs in every row alike.
// Run: npm run build && node bench/edge-payload.mjs [--quick]
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import * as grpc from '@grpc/grpc-js'
import * as protoLoader from '@grpc/proto-loader'
import { edgeOn, fmt, p50, registryWith } from './lib/edge.mjs'
import { mlpOnnx, mlpSignature } from './lib/mlp-onnx.mjs'

const quick = process.argv.includes('--quick')
const RUNS = quick ? 15 : 50
const N = 262_144
const registry = await registryWith({ big: { bytes: mlpOnnx(N, 4), signature: mlpSignature(N, 4) } })
const edge = await edgeOn(registry.url, true)
const url = `${edge.url}/v2/models/big/infer`
const x = Float32Array.from({ length: N }, (_, i) => Math.fround(((i * 7919) % 1000) / 1000))

const json = JSON.stringify({ inputs: [{ name: 'x', datatype: 'FP32', shape: [1, N], data: Array.from(x) }] })
const head = new TextEncoder().encode(
  JSON.stringify({
    inputs: [{ name: 'x', datatype: 'FP32', shape: [1, N], parameters: { binary_data_size: x.byteLength } }],
    parameters: { binary_data_output: true },
  }),
)
const binary = new Uint8Array(head.byteLength + x.byteLength)
binary.set(head)
binary.set(new Uint8Array(x.buffer), head.byteLength)

const def = protoLoader.loadSync(
  path.join(path.dirname(fileURLToPath(import.meta.url)), '../packages/edge/proto/grpc_predict_v2.proto'),
  { keepCase: true, longs: String, defaults: true },
)
const Service = grpc.loadPackageDefinition(def).inference.GRPCInferenceService
const client = new Service(`127.0.0.1:${edge.grpcPort}`, grpc.credentials.createInsecure(), {
  'grpc.max_send_message_length': -1,
  'grpc.max_receive_message_length': -1,
})
const grpcReq = {
  model_name: 'big',
  inputs: [{ name: 'x', datatype: 'FP32', shape: [1, N] }],
  raw_input_contents: [Buffer.from(x.buffer)],
}

const ways = {
  'REST JSON': [json.length, () => fetch(url, { method: 'POST', body: json }).then((r) => r.arrayBuffer())],
  'REST binary': [
    binary.byteLength,
    () =>
      fetch(url, {
        method: 'POST',
        body: binary,
        headers: { 'inference-header-content-length': String(head.byteLength) },
      }).then((r) => r.arrayBuffer()),
  ],
  'gRPC raw': [
    x.byteLength,
    () => new Promise((res, rej) => client.ModelInfer(grpcReq, (e, v) => (e ? rej(e) : res(v)))),
  ],
}
const times = Object.fromEntries(Object.keys(ways).map((k) => [k, []]))
for (let i = 0; i < RUNS + 3; i++)
  for (const [k, [, send]] of Object.entries(ways)) {
    const t = performance.now()
    await send()
    if (i >= 3) times[k].push(performance.now() - t)
  }
const base = p50(times['REST binary'])
console.log('1 MB float32 input, one client | bytes sent | p50 ms | ÷ REST binary')
for (const [k, [size]] of Object.entries(ways))
  console.log(
    `${k.padEnd(30)} | ${String(size).padStart(10)} | ${fmt(p50(times[k]), 1).padStart(6)} | ${fmt(p50(times[k]) / base)}`,
  )
client.close()
await edge.close()
await registry.close()
