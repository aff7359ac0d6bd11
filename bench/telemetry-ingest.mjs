// Telemetry ingest benchmark (issue 5 "Performance"), one Node process = one core. Events/s through
//  1. foldBatch alone (pre-parsed batches into the ferry_client_* series),
//  2. collector.handle(Request) (body read with cap, JSON.parse, schema check, rate limits, de-dup, fold),
//  3. the full registry app via app.request('/v1/telemetry') (Hono routing, CORS, HTTP metrics, timeout),
// each against a baseline measured in the same run: JSON.parse of the same bodies (the floor any JSON
// collector pays). Goal: >= 20,000 events/s through the app. Then a long run through the app with
// heap/RSS printed at start, quarters and end (after GC): memory must stay flat (every structure is bounded).
// Traffic: 100-event batches (70% inference, 10% load, 10% cache, 5% fallback, 5% error) from 1,000
// client ids, each batch with a fresh batchId; 10% of events name models the registry does not know.
// Run: npm run build -w packages/registry-server && node --expose-gc bench/telemetry-ingest.mjs
//      [--seconds N (long run, default 20)] [--quick]
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const dist = join(root, 'packages/registry-server/dist')
if (!existsSync(join(dist, 'collector/index.js')) || !existsSync(join(dist, 'app.js'))) {
  console.error('telemetry-ingest: build first (npm run build -w packages/registry-server)')
  process.exit(2)
}
const { createCollector, foldBatch } = await import(join(dist, 'collector/index.js'))
const { createRegistryApp } = await import(join(dist, 'app.js'))
const { MetricsRegistry } = await import(join(dist, 'metrics/registry.js'))
const { createMemoryStore } = await import(join(dist, 'store/memory.js'))

const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '20' }, quick: { type: 'boolean', default: false } },
})
const LONG_S = values.quick ? 3 : Number(values.seconds)
const PHASE_MS = values.quick ? 700 : 3000
const EVENTS_PER_BATCH = 100
const CLIENTS = 1000
const MODELS = ['digits', 'vad', 'ocr-det']
// Generous limits: the benchmark measures ingest, not the rate limiter refusing it (which still runs).
const limits = { perClient: { rate: 1e6, burst: 1e6 }, perIp: { rate: 1e9, burst: 1e9 } }

// ---- traffic ---------------------------------------------------------------------------------------
let seed = 42
const rnd = () => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff
  return seed / 0x7fffffff
}
const pick = (a) => a[Math.floor(rnd() * a.length)]
function event(ts) {
  const known = rnd() >= 0.1
  const model = known ? pick(MODELS) : `made-up-${Math.floor(rnd() * 1e6)}`
  const version = known ? 1 + Math.floor(rnd() * 2) : Math.floor(rnd() * 1000)
  const backend = rnd() < 0.6 ? 'webgpu' : 'wasm'
  const r = rnd()
  if (r < 0.7)
    return {
      type: 'inference',
      model,
      version,
      backend,
      batch: 1 + Math.floor(rnd() * 8),
      queueMs: rnd() * 5,
      computeMs: rnd() * 40,
      ok: rnd() > 0.01,
      ts,
    }
  if (r < 0.8)
    return {
      type: 'load',
      model,
      version,
      backend,
      source: pick(['network', 'cache', 'memory']),
      bytes: Math.floor(rnd() * 5e6),
      ms: rnd() * 3000,
      ts,
    }
  if (r < 0.9)
    return { type: 'cache', action: pick(['hit', 'miss', 'evict', 'store']), model, version, bytes: 1000, ts }
  if (r < 0.95)
    return {
      type: 'fallback',
      model,
      version,
      from: 'webgpu',
      to: 'wasm',
      reason: pick(['no-adapter', 'device-lost', 'session-failed: op X', 'weird']),
      ts,
    }
  return { type: 'error', model, version, code: pick(['SHAPE_MISMATCH', 'QUEUE_FULL', 'NOT_A_CODE']), ts }
}
let batchSeq = 0
function batch() {
  const ts = Date.now()
  return {
    client: { id: `client-${Math.floor(rnd() * CLIENTS)}`, runtime: '0.1.0', env: 'browser' },
    batchId: `b-${++batchSeq}`,
    events: Array.from({ length: EVENTS_PER_BATCH }, () => event(ts)),
  }
}
// A pool of distinct bodies, re-stamped with a fresh batchId on each use so de-dup never short-cuts.
const pool = Array.from({ length: 200 }, batch)
const poolText = pool.map((b) => JSON.stringify(b))
const bodyAt = (i) => poolText[i % pool.length].replace(/"batchId":"b-\d+"/, `"batchId":"r-${i}"`)
const bytesPerBatch = poolText.reduce((n, t) => n + t.length, 0) / pool.length

// ---- subjects --------------------------------------------------------------------------------------
const known = async () => MODELS.map((name) => ({ name, versions: [1, 2] }))

async function appWithModels() {
  const store = createMemoryStore()
  const metrics = new MetricsRegistry()
  const app = createRegistryApp({ store, tokens: ['bench'], metrics, telemetry: { limits } })
  const auth = { authorization: 'Bearer bench' }
  for (const name of MODELS) {
    for (let v = 0; v < 2; v++) {
      const bytes = new TextEncoder().encode(`${name}-${v}`)
      const up = await app.request('/v1/blobs', { method: 'POST', headers: auth, body: bytes })
      const { digest, size } = await up.json()
      const res = await app.request(`/v1/models/${name}/versions`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({
          schemaVersion: 1,
          format: 'onnx',
          files: [{ path: 'model.onnx', role: 'model', digest, size }],
          inputs: [],
          outputs: [],
        }),
      })
      if (res.status !== 201) throw new Error(`publish ${name}: ${res.status} ${await res.text()}`)
    }
  }
  return { app, metrics }
}

/** Runs `step(i)` (one batch) repeatedly for `ms`; returns events/s. */
async function measure(ms, step) {
  let i = 0
  const t0 = performance.now()
  let t = t0
  while (t - t0 < ms) {
    for (let k = 0; k < 20; k++) await step(i++)
    t = performance.now()
  }
  return (i * EVENTS_PER_BATCH) / ((t - t0) / 1000)
}

const post = (body) => ({ method: 'POST', headers: { 'content-type': 'text/plain;charset=UTF-8' }, body })
const mb = (n) => `${(n / 1024 / 1024).toFixed(1)} MB`
function mem(label) {
  globalThis.gc?.()
  const m = process.memoryUsage()
  console.log(`  ${label.padEnd(14)} rss ${mb(m.rss).padStart(9)}   heapUsed ${mb(m.heapUsed).padStart(9)}`)
  return m
}

// ---- throughput --------------------------------------------------------------------------------------
const collector = createCollector({ metrics: new MetricsRegistry(), knownModels: known, limits })
await collector.known.ready()
const { app, metrics } = await appWithModels()

const subjects = [
  ['JSON.parse only (baseline)', (i) => void JSON.parse(bodyAt(i))],
  ['foldBatch (pre-parsed)', (i) => foldBatch(collector.series, collector.known, pool[i % pool.length])],
  [
    'collector.handle(Request)',
    async (i) => {
      const res = await collector.handle(new Request('http://x/v1/telemetry', post(bodyAt(i))))
      if (res.status !== 202) throw new Error(`collector answered ${res.status}: ${await res.text()}`)
    },
  ],
  [
    'app.request /v1/telemetry',
    async (i) => {
      const res = await app.request('/v1/telemetry', post(bodyAt(1e7 + i)))
      if (res.status !== 202) throw new Error(`app answered ${res.status}: ${await res.text()}`)
    },
  ],
]

console.log(
  `telemetry ingest, one core (node ${process.version}), ${EVENTS_PER_BATCH}-event batches of ~${(bytesPerBatch / 1024).toFixed(1)} KiB`,
)
for (const [, step] of subjects) await measure(200, step) // warm up
const rates = []
for (const [name, step] of subjects) rates.push([name, await measure(PHASE_MS, step)])
const base = rates[0][1]
const pad = (s, n) => String(s).padEnd(n)
console.log(`\n${pad('path', 30)}${pad('events/s', 12)}${pad('batches/s', 11)}ratio to JSON.parse`)
for (const [name, r] of rates) {
  console.log(
    `${pad(name, 30)}${pad(Math.round(r).toLocaleString('en'), 12)}${pad(Math.round(r / EVENTS_PER_BATCH), 11)}${(r / base).toFixed(2)}`,
  )
}
const appRate = rates[3][1]
console.log(
  `\ngoal >= 20,000 events/s through the app: ${appRate >= 20_000 ? 'met' : 'MISSED'} (${Math.round(appRate).toLocaleString('en')})`,
)

// ---- long run: memory stays flat ---------------------------------------------------------------------
console.log(`\nlong run through the app: ${LONG_S} s`)
const start = mem('start')
let i = 2e7
let events = 0
const tEnd = performance.now() + LONG_S * 1000
const quarter = (LONG_S * 1000) / 4
let nextMark = performance.now() + quarter
let q = 1
while (performance.now() < tEnd) {
  for (let k = 0; k < 50; k++) {
    const res = await app.request('/v1/telemetry', post(bodyAt(i++)))
    if (res.status !== 202) throw new Error(`app answered ${res.status}`)
    events += EVENTS_PER_BATCH
  }
  if (performance.now() >= nextMark && q < 4) {
    mem(`${q * 25}%`)
    q++
    nextMark += quarter
  }
}
const end = mem('end')
const lines = metrics.render().split('\n').length
console.log(
  `  ${events.toLocaleString('en')} events, ${Math.round(events / LONG_S).toLocaleString('en')} events/s; /metrics has ${lines} lines`,
)
console.log(
  `  heapUsed end ÷ start ${(end.heapUsed / start.heapUsed).toFixed(2)}, rss end ÷ start ${(end.rss / start.rss).toFixed(2)}` +
    ' (the de-dup set grows by one short key per batch up to its bound of 200,000, then stays flat)',
)
