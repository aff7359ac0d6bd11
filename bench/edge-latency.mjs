// Ferry Edge, one client: p50 of an infer request ÷ (raw session.run p50 + a bare HTTP round trip p50 on
// the same server type, Hono on @hono/node-server, carrying bodies of the same size), goal ≤ 1.05. The
// floor is that sum: what any server on this HTTP stack and backend pays. Models: a 2048×2048 MLP and a
// tiny one (8 → 4), WASM, one thread; JSON requests, and for the big model the binary tensor extension
// too (the floor then carries the same binary bodies).
// Run: npm run build && node bench/edge-latency.mjs [--quick]

import { echoServer, edgeOn, fmt, ort, p50, registryWith } from './lib/edge.mjs'
import { mlpOnnx, mlpSignature } from './lib/mlp-onnx.mjs'

const quick = process.argv.includes('--quick')
const RUNS = quick ? 100 : 400
const models = { big: [2048, 2048], tiny: [8, 4] }
const registry = await registryWith(
  Object.fromEntries(
    Object.entries(models).map(([k, [i, o]]) => [k, { bytes: mlpOnnx(i, o), signature: mlpSignature(i, o) }]),
  ),
)
const edge = await edgeOn(registry.url)
console.log(
  'model       | edge p50 ms | raw run p50 | bare HTTP p50 | floor (raw + HTTP) | edge ÷ floor | edge − floor ms',
)
/** The model's request as the binary tensor extension carries it, and its header length. */
function binaryBody(x, inF) {
  const bytes = new Uint8Array(Float32Array.from(x).buffer)
  const head = new TextEncoder().encode(
    JSON.stringify({
      inputs: [
        { name: 'x', datatype: 'FP32', shape: [1, inF], parameters: { binary_data_size: bytes.byteLength } },
      ],
      parameters: { binary_data_output: true },
    }),
  )
  const body = new Uint8Array(head.byteLength + bytes.byteLength)
  body.set(head)
  body.set(bytes, head.byteLength)
  return { body, headers: { 'inference-header-content-length': String(head.byteLength) } }
}

const cases = Object.entries(models).flatMap(([name, dims]) =>
  name === 'big'
    ? [
        [name, dims, 'json'],
        [name, dims, 'binary'],
      ]
    : [[name, dims, 'json']],
)
for (const [name, [inF, outF], encoding] of cases) {
  const x = Array.from({ length: inF }, (_, i) => (i % 5) / 5)
  const { body, headers } =
    encoding === 'json'
      ? {
          body: JSON.stringify({ inputs: [{ name: 'x', datatype: 'FP32', shape: [1, inF], data: x }] }),
          headers: {},
        }
      : binaryBody(x, inF)
  const url = `${edge.url}/v2/models/${name}/infer`
  const answer = new Uint8Array(await (await fetch(url, { method: 'POST', body, headers })).arrayBuffer())
  const echo = await echoServer(answer)
  const session = await ort.InferenceSession.create(mlpOnnx(inF, outF), { executionProviders: ['wasm'] })
  const feeds = { x: new ort.Tensor('float32', Float32Array.from(x), [1, inF]) }
  const a = []
  const b = []
  const c = []
  // Interleaved, call by call, so load from elsewhere hits all three alike.
  for (let i = 0; i < RUNS + 20; i++) {
    let t = performance.now()
    await (await fetch(url, { method: 'POST', body, headers })).arrayBuffer()
    const e = performance.now() - t
    t = performance.now()
    await session.run(feeds)
    const r = performance.now() - t
    t = performance.now()
    await (await fetch(`${echo.url}/echo`, { method: 'POST', body })).arrayBuffer()
    const h = performance.now() - t
    if (i >= 20) {
      a.push(e)
      b.push(r)
      c.push(h)
    }
  }
  const floor = p50(b) + p50(c)
  console.log(
    `${`${name} ${encoding}`.padEnd(11)} | ${fmt(p50(a), 3).padStart(11)} | ${fmt(p50(b), 3).padStart(11)} | ${fmt(p50(c), 3).padStart(13)} | ${fmt(floor, 3).padStart(18)} | ${fmt(p50(a) / floor).padStart(12)} | ${fmt(p50(a) - floor, 3)}`,
  )
  await session.release()
  await echo.close()
}
await edge.close()
await registry.close()
