// The session pool as Ferry Edge embeds it (createEngine on onnxruntime-node): five models, a budget that
// holds two live sessions, skewed traffic (Zipf, s = 1.2) from 4 concurrent clients. Prints the hit rate
// (requests served without creating a session) and p50/p99 request latency for Ferry's policy (release the
// lowest recent call rate first) against plain LRU (release the least recently used), same traffic, same
// run. No goal beyond "better than LRU"; the floor is every model live (no budget).
// Run: npm run build && node bench/edge-pool.mjs [--quick]
import { createEngine, createMemoryCache } from '@ferry/runtime/engine'
import { nodeBackends } from '@ferry/runtime/node'
import { fmt, registryWith } from './lib/edge.mjs'
import { mlpOnnx, mlpSignature } from './lib/mlp-onnx.mjs'

const quick = process.argv.includes('--quick')
const REQUESTS = quick ? 300 : 1200
const CLIENTS = Number(process.argv.find((a) => a.startsWith('--clients='))?.slice(10) ?? 2)
const N = 768
const names = ['a', 'b', 'c', 'd', 'e']
const registry = await registryWith(
  Object.fromEntries(
    names.map((n, i) => [n, { bytes: mlpOnnx(N, N, i + 1, 2), signature: mlpSignature(N, N), runtime: {} }]),
  ),
)

// Zipf(1.2) over the five models, one fixed sequence for every policy.
const weights = names.map((_, i) => 1 / (i + 1) ** 1.2)
const total = weights.reduce((a, b) => a + b, 0)
let seed = 7
const rand = () => {
  seed = (seed * 1103515245 + 12345) % 2 ** 31
  return seed / 2 ** 31
}
const traffic = Array.from({ length: REQUESTS }, () => {
  let r = rand() * total
  for (let i = 0; i < names.length; i++) {
    r -= weights[i]
    if (r <= 0) return i
  }
  return names.length - 1
})
const x = { x: { data: new Float32Array(N).fill(0.5), dims: [1, N] } }

async function run(label, sessions, rankSessions) {
  let creates = 0
  const backends = (await nodeBackends()).map((b) => ({
    ...b,
    name: b.name,
    formats: b.formats,
    devices: b.devices,
    probe: (d, e) => b.probe(d, e),
    createSession: (files, manifest, device) => {
      creates++
      return b.createSession(files, manifest, device)
    },
  }))
  const engine = createEngine({
    registry: registry.url,
    fetch,
    cache: createMemoryCache(),
    backends,
    devices: ['cpu'],
    sessions,
    ...(rankSessions ? { rankSessions } : {}),
  })
  const handles = []
  for (const name of names) handles.push((await engine.load({ name })).handle)
  creates = 0
  const times = []
  let next = 0
  const t0 = performance.now()
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (next < traffic.length) {
        const i = traffic[next++]
        const t = performance.now()
        await engine.run(handles[i], x)
        times.push(performance.now() - t)
      }
    }),
  )
  const wall = performance.now() - t0
  await engine.close()
  times.sort((a, b) => a - b)
  const q = (p) => times[Math.min(times.length - 1, Math.floor(times.length * p))]
  console.log(
    `${label.padEnd(28)} | ${fmt((1 - creates / REQUESTS) * 100, 1).padStart(8)}% | ${String(creates).padStart(7)} | ${fmt(q(0.5)).padStart(6)} | ${fmt(q(0.99)).padStart(7)} | ${fmt((REQUESTS / wall) * 1000, 0)}`,
  )
  return { creates, p99: q(0.99) }
}

console.log(
  `5 models (two-layer ${N}² MLPs), room for 2 live sessions, ${REQUESTS} requests, ${CLIENTS} clients, Zipf(1.2)`,
)
console.log('policy                       | hit rate | creates | p50 ms | p99 ms | req/s')
const budget = { maxCount: 2, idleMs: 0 }
const ferry = await run('Ferry (lowest call rate)', budget)
const lru = await run('plain LRU', budget, (a, b) => a.lastUsed - b.lastUsed)
await run('floor: no budget (all live)', { maxCount: 16, idleMs: 0 })
console.log(
  `Ferry ÷ LRU: creates ${fmt(ferry.creates / Math.max(1, lru.creates))}, p99 ${fmt(ferry.p99 / lru.p99)}`,
)
await registry.close()
