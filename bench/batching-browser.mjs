// Dynamic batching in real Chromium, WASM (1 thread), through ferry.js with the engine in its worker:
// 32 callers at once on a 4096×4096 MLP (64 MiB, input `x` [batch, 4096]), each running one row at a
// time, back to back. Throughput (calls/s) with the manifest's `runtime.batching` ÷ without it, the same
// bytes published twice on a loopback registry (`bench-mlp-batched` with batching, `bench-mlp` without)
// and loaded by one runtime (goal ≥ 4×). Floor (no Ferry, ORT alone in a worker of the same page): one
// session.run of a [32, 4096] batch ÷ 32 session.run calls of one row each. The four take turns, round
// by round, in a rotating order. Also prints the batches the engine really formed (from its
// `inference` events), their wait and compute times, and checks that every caller got its own row.
// Env: FERRY_BENCH_ROUNDS (default 7), FERRY_BENCH_N (MLP width, default 4096), FERRY_BENCH_LAYERS
// (default 1), FERRY_BENCH_DELAY_MS (the manifest's maxDelayMs, default 5), FERRY_BENCH_THREADS (ORT's
// WASM threads, default 1; above 1 the page is cross-origin isolated).
// Needs `npm run build -w packages/runtime` and /usr/bin/chromium.
// Run: node bench/batching-browser.mjs
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import http from 'node:http'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { launchChromium } from './lib/common.mjs'
import { startFsRegistry } from './lib/fs-registry.mjs'
import { mlpOnnx, mlpSignature } from './lib/mlp-onnx.mjs'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const runtimeDist = join(root, 'packages/runtime/dist/browser')
const N = Number(process.env.FERRY_BENCH_N ?? 4096)
const LAYERS = Number(process.env.FERRY_BENCH_LAYERS ?? 1)
const ROUNDS = Number(process.env.FERRY_BENCH_ROUNDS ?? 7)
// FERRY_BENCH_THREADS > 1: ORT's WASM threads, in a cross-origin isolated page (both sides alike).
const THREADS = Number(process.env.FERRY_BENCH_THREADS ?? 1)
const CALLERS = 32
const PER_CALLER = 2 // calls per caller per round
const batching = { maxBatchSize: CALLERS, maxDelayMs: Number(process.env.FERRY_BENCH_DELAY_MS ?? 5) }

await stat(join(runtimeDist, 'ferry.js')).catch(() => {
  console.error('packages/runtime/dist/browser is missing: run `npm run build -w packages/runtime` first')
  process.exit(2)
})

// The registry, with the model published twice: with `runtime.batching`, and without.
const model = mlpOnnx(N, N, 3, LAYERS)
const registry = await startFsRegistry('batching')
const regUrl = registry.url
const { digest } = await registry.publish('bench-mlp-batched', model, mlpSignature(N, N), { batching })
await registry.publish('bench-mlp', model, mlpSignature(N, N))

// The page's origin: an empty page with ferry.js, and the runtime's browser build (ORT's files).
const isolated =
  THREADS > 1
    ? { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' }
    : {}
const site = http.createServer((req, res) => {
  const p = new URL(req.url, 'http://x').pathname
  if (p === '/bench/index.html') {
    res.writeHead(200, { 'content-type': 'text/html', ...isolated })
    return res.end(
      '<!doctype html><meta charset="utf-8"><title>batching bench</title><script src="/runtime/ferry.js"></script>',
    )
  }
  if (p.startsWith('/runtime/') && !p.includes('..')) {
    const type = p.endsWith('.wasm') ? 'application/wasm' : 'text/javascript'
    const s = createReadStream(join(runtimeDist, p.slice('/runtime/'.length)))
    s.on('error', () => res.writeHead(404).end())
    s.on('open', () => res.writeHead(200, { 'content-type': type, ...isolated }))
    return s.pipe(res)
  }
  res.writeHead(404).end()
})
await new Promise((r) => site.listen(0, '127.0.0.1', r))
const origin = `http://localhost:${site.address().port}`

/**
 * Every round, in an order rotated round by round: Ferry's 32 callers on the batched model, the same on
 * the unbatched one (both models in one runtime, engine in its worker), and the floor: ORT alone in a
 * worker of its own, one [32, n] run and 32 runs of [1, n]. Idle workers wait on their next message.
 */
const rounds = (page) =>
  page.evaluate(
    async ({ registry, blobUrl, n, callers, perCaller, rounds, threads }) => {
      const rows = Array.from({ length: callers }, (_, i) =>
        new Float32Array(n).map((_, j) => (((i * 31 + j) % 17) - 8) / 17),
      )
      // The floor's worker: ORT's plain WASM build, the model's bytes, the same rows (same formula).
      const src = `
        import * as ort from '${location.origin}/runtime/ort.wasm.min.mjs'
        ort.env.wasm.wasmPaths = '${location.origin}/runtime/'
        ort.env.wasm.numThreads = ${threads}
        const bytes = new Uint8Array(await (await fetch('${blobUrl}')).arrayBuffer())
        const s = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' })
        const rows = Array.from({ length: ${callers} }, (_, i) => new Float32Array(${n}).map((_, j) => (((i * 31 + j) % 17) - 8) / 17))
        const runs = {
          one: async () => { for (const r of rows) await s.run({ x: new ort.Tensor('float32', r, [1, ${n}]) }) },
          batch: async () => {
            const x = new Float32Array(${callers * n})
            rows.forEach((r, i) => x.set(r, i * ${n}))
            await s.run({ x: new ort.Tensor('float32', x, [${callers}, ${n}]) })
          },
        }
        onmessage = async ({ data }) => { const t = performance.now(); await runs[data](); postMessage(performance.now() - t) }
        postMessage('ready')`
      const floor = new Worker(URL.createObjectURL(new Blob([src], { type: 'text/javascript' })), {
        type: 'module',
      })
      let answer = () => {}
      floor.onmessage = (e) => answer(e.data)
      const ask = (kind) =>
        new Promise((resolve) => {
          answer = resolve
          if (kind) floor.postMessage(kind)
        })
      await ask() // ready

      const events = []
      const ferry = Ferry.createRuntime({
        registry,
        backends: ['wasm'],
        numThreads: threads,
        telemetry: false,
        cache: { maxBytes: 1 << 30 },
        onEvent: (e) => {
          if (e.type === 'inference') events.push(e)
        },
      })
      const models = {
        batched: await ferry.load('bench-mlp-batched'),
        unbatched: await ferry.load('bench-mlp'),
      }
      // Every caller's answer is its own row's: the batched outputs match the unbatched ones, caller by caller.
      const outs = {}
      for (const [k, m] of Object.entries(models))
        outs[k] = await Promise.all(rows.map((data) => m.run({ x: { data, dims: [1, n] } })))
      let maxDiff = 0
      for (let i = 0; i < callers; i++) {
        const a = outs.batched[i].y.data
        const b = outs.unbatched[i].y.data
        for (let j = 0; j < a.length; j++) maxDiff = Math.max(maxDiff, Math.abs(a[j] - b[j]))
      }
      /** Ferry: every caller runs `perCaller` calls back to back, all callers at once. */
      const ferryRound = async (kind) => {
        const m = models[kind]
        events.length = 0
        const t0 = performance.now()
        await Promise.all(
          rows.map(async (data) => {
            for (let k = 0; k < perCaller; k++) await m.run({ x: { data, dims: [1, n] } })
          }),
        )
        const ms = performance.now() - t0
        return { kind, ms, calls: callers * perCaller, batches: events.filter((e) => e.model === m.name) }
      }
      const kinds = {
        batched: () => ferryRound('batched'),
        unbatched: () => ferryRound('unbatched'),
        floorBatch: async () => ({ kind: 'floorBatch', ms: await ask('batch') }),
        floorOne: async () => ({ kind: 'floorOne', ms: await ask('one') }),
      }
      const order = Object.keys(kinds)
      for (const k of order) await kinds[k]() // warm-up
      const out = []
      for (let r = 0; r < rounds; r++)
        for (let i = 0; i < order.length; i++) out.push(await kinds[order[(i + r) % order.length]]())
      await ferry.close()
      floor.terminate()
      return { rounds: out, maxDiff }
    },
    {
      registry: regUrl,
      blobUrl: `${regUrl}/v1/blobs/${digest}`,
      n: N,
      callers: CALLERS,
      perCaller: PER_CALLER,
      rounds: ROUNDS,
      threads: THREADS,
    },
  )

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const browser = await launchChromium()
try {
  const page = await (await browser.newContext()).newPage()
  page.on('pageerror', (e) => console.error('page error:', e.message))
  await page.goto(`${origin}/bench/index.html`)
  const ferry = await rounds(page)
  const ua = await page.evaluate(() => navigator.userAgent)

  const of = (kind) => ferry.rounds.filter((r) => r.kind === kind)
  const rate = (r) => (r.calls / r.ms) * 1000
  const batched = of('batched')
  const unbatched = of('unbatched')
  // Two reads of the same rounds: the median of each round's paired ratio, and the ratio of each
  // mode's fastest round (the one a loaded machine disturbed least).
  const paired = batched.map((b, i) => rate(b) / rate(unbatched[i]))
  const best = (rs) => Math.max(...rs.map(rate))
  const f2 = (x) => x.toFixed(2)
  const mib = (N * N * 4 * LAYERS) / 2 ** 20
  console.log(
    `\nDynamic batching — real Chromium (${ua.match(/Chrome\/[\d.]+/)?.[0]}), WASM, ${THREADS} thread${THREADS > 1 ? 's' : ''}, ferry.js with its engine worker`,
  )
  console.log(
    `MLP ${N}×${N}${LAYERS > 1 ? ` × ${LAYERS} layers` : ''} (${mib.toFixed(0)} MiB), ${CALLERS} callers × ${PER_CALLER} calls of one row per round, ${ROUNDS} rounds, each kind once per round in a rotating order; runtime.batching ${JSON.stringify(batching)}`,
  )
  const row = (label, v, extra = '') => console.log(`${label.padEnd(50)}${v.padStart(9)}  ${extra}`)
  row(
    'ferry, batched: calls/s (median; fastest round)',
    median(batched.map(rate)).toFixed(1),
    `${best(batched).toFixed(1)}`,
  )
  row(
    'ferry, unbatched: calls/s (median; fastest round)',
    median(unbatched.map(rate)).toFixed(1),
    `${best(unbatched).toFixed(1)}`,
  )
  const ratio = median(paired)
  const bestRatio = best(batched) / best(unbatched)
  row(
    'ferry: batched ÷ unbatched (median of rounds)',
    f2(ratio),
    `goal ≥ 4; fastest rounds ${f2(bestRatio)}; per round ${paired.map(f2).join(' ')}`,
  )
  // The floor, read the same two ways: per-round ratios, and the fastest 32 single runs ÷ fastest batch.
  const floor = of('floorOne').map((f, i) => ({ one: f.ms, batch: of('floorBatch')[i].ms }))
  const floorRatios = floor.map((f) => f.one / f.batch)
  const floorRatio = median(floorRatios)
  const minOne = Math.min(...floor.map((f) => f.one))
  const minBatch = Math.min(...floor.map((f) => f.batch))
  row(
    `floor: 32 × run([1, ${N}]) ÷ run([32, ${N}]), ORT alone`,
    f2(floorRatio),
    `fastest ${f2(minOne / minBatch)} (${minOne.toFixed(1)} ms ÷ ${minBatch.toFixed(1)} ms); per round ${floorRatios.map(f2).join(' ')}`,
  )
  row('ferry ÷ floor', f2(ratio / floorRatio), `fastest ${f2(bestRatio / (minOne / minBatch))}`)

  // What the engine did: the batches it formed (its `inference` events), their wait and compute.
  const sizes = new Map()
  for (const r of batched) for (const b of r.batches) sizes.set(b.batch, (sizes.get(b.batch) ?? 0) + 1)
  const hist = [...sizes.entries()].sort((a, b) => b[0] - a[0]).map(([s, c]) => `${c}×${s}`)
  const all = (rs, f) => rs.flatMap((r) => r.batches.map(f))
  const computeShare = (rs) => median(rs.map((r) => r.batches.reduce((n, b) => n + b.computeMs, 0) / r.ms))
  console.log(
    `batches formed (batched rounds): ${hist.join(', ')}; wait of a batch's first call p50 ${median(all(batched, (b) => b.queueMs)).toFixed(1)} ms (maxDelayMs ${batching.maxDelayMs})`,
  )
  const cb = all(batched, (b) => (b.batch === CALLERS ? b.computeMs : Number.NaN)).filter((x) => x >= 0)
  const cu = all(unbatched, (b) => b.computeMs)
  const ms = (xs) => `p50 ${median(xs).toFixed(1)} ms, fastest ${Math.min(...xs).toFixed(1)} ms`
  console.log(
    `engine compute, a batch of ${CALLERS}: ${ms(cb)}; one row: ${ms(cu)} (${CALLERS} rows one by one ÷ one batch, p50s: ${f2((CALLERS * median(cu)) / median(cb))})`,
  )
  console.log(
    `floor, a batch of ${CALLERS}: ${ms(floor.map((f) => f.batch))}; ${CALLERS} rows one by one: ${ms(floor.map((f) => f.one))}`,
  )
  console.log(
    `share of each round the engine spent computing (median): batched ${f2(computeShare(batched))}, unbatched ${f2(computeShare(unbatched))}`,
  )
  console.log(
    `every caller's answer was its own row: max |batched − unbatched| over all ${CALLERS} callers = ${ferry.maxDiff.toExponential(2)}`,
  )
  if (ferry.maxDiff > 1e-3) throw new Error('batched outputs differ from unbatched ones')
} finally {
  await browser.close()
  site.close()
  await registry.close()
}
