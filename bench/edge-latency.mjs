// Ferry Edge, one client: p50 of an infer request ÷ (raw session.run p50 + a bare HTTP round trip p50 on
// the same server type, Hono on @hono/node-server, carrying bodies of the same size), goal ≤ 1.05. The
// floor is that sum: what any server on this HTTP stack and backend pays. Models: a 2048×2048 MLP and a
// tiny one (8 → 4), WASM, one thread; JSON requests.
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
  'model | edge p50 ms | raw run p50 | bare HTTP p50 | floor (raw + HTTP) | edge ÷ floor | edge − floor ms',
)
for (const [name, [inF, outF]] of Object.entries(models)) {
  const x = Array.from({ length: inF }, (_, i) => (i % 5) / 5)
  const body = JSON.stringify({ inputs: [{ name: 'x', datatype: 'FP32', shape: [1, inF], data: x }] })
  const url = `${edge.url}/v2/models/${name}/infer`
  const answer = await (await fetch(url, { method: 'POST', body })).text()
  const echo = await echoServer(answer)
  const session = await ort.InferenceSession.create(mlpOnnx(inF, outF), { executionProviders: ['wasm'] })
  const feeds = { x: new ort.Tensor('float32', Float32Array.from(x), [1, inF]) }
  const a = []
  const b = []
  const c = []
  // Interleaved, call by call, so load from elsewhere hits all three alike.
  for (let i = 0; i < RUNS + 20; i++) {
    let t = performance.now()
    await (await fetch(url, { method: 'POST', body })).arrayBuffer()
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
    `${name.padEnd(5)} | ${fmt(p50(a), 3).padStart(11)} | ${fmt(p50(b), 3).padStart(11)} | ${fmt(p50(c), 3).padStart(13)} | ${fmt(floor, 3).padStart(18)} | ${fmt(p50(a) / floor).padStart(12)} | ${fmt(p50(a) - floor, 3)}`,
  )
  await session.release()
  await echo.close()
}
await edge.close()
await registry.close()
