// Runtime overhead benchmark in real Chromium (issue 3 "Performance"), WASM backend, 1 thread:
//  - warm model.run p50 (timed on the page, through Ferry's worker) ÷ raw ONNX Runtime Web session.run
//    p50 in the SAME worker (same ORT module instance, timed inside the worker) on a 4096×4096 MLP
//    (goal ≤ 1.05);
//  - added per-call overhead on a tiny model: worker hop + checks + queue (goal ≤ 0.1 ms at p50).
// A second raw column, "raw same", calls the session Ferry's engine created (raw session.run, same
// worker, same weights in memory): two sessions of one model differ by up to ~5% here from where their
// weights landed, so "ferry ÷ raw same" is Ferry's per-call cost with that confound removed.
// Fair by construction: raw and Ferry calls are interleaved one by one (one message = one raw
// session.run; the order is shuffled each iteration), so neither side gets a back-to-back tight loop.
// A third column, "raw+hop", is the raw session.run of Ferry's session reached by a bare postMessage
// (input posted, output posted back) and timed on the page like Ferry: Ferry's own cost is ferry − raw+hop.
// The page and worker (bench/browser/*.ts) are bundled here with esbuild from the runtime's sources;
// ORT's files come from dist/browser. Needs `npm run build -w packages/runtime` and /usr/bin/chromium.
// FERRY_BENCH_BEFORE_TREE=<a checkout of another commit, built>: that tree's own bench page and worker
// (bundled from its sources, served with its dist/browser from a second origin) run in the same browser,
// alternating with this tree's, FERRY_BENCH_REPS times (default 3), and the paired figures are printed.
// Run: node bench/runtime-browser.mjs [--quick]
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import http from 'node:http'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { launchChromium, oneFileManifest, sendIsolated } from './lib/common.mjs'
import { mlpOnnx, mlpSignature } from './lib/mlp-onnx.mjs'

const here = path.dirname(fileURLToPath(import.meta.url))
const quick = process.argv.includes('--quick')
const beforeTree = process.env.FERRY_BENCH_BEFORE_TREE
const reps = beforeTree ? Number(process.env.FERRY_BENCH_REPS ?? 3) : 1
const big = quick ? 1024 : 4096
const MIME = {
  '.mjs': 'text/javascript',
  '.js': 'text/javascript',
  '.wasm': 'application/wasm',
  '.html': 'text/html',
}

const models = { big: mlpOnnx(big, big), tiny: mlpOnnx(8, 4) }
const sigs = { big: mlpSignature(big, big), tiny: mlpSignature(8, 4) }
const blobs = new Map()
const manifests = new Map()
for (const [name, bytes] of Object.entries(models)) {
  const manifest = oneFileManifest(name, bytes, sigs[name])
  blobs.set(manifest.files[0].digest, bytes)
  manifests.set(name, manifest)
}

/**
 * One origin for a tree: its bench page and worker (bundled from its sources), its runtime's browser
 * build, and a minimal registry (alias + blob reads from memory).
 */
async function site(tree) {
  const gen = await mkdtemp(path.join(tmpdir(), 'ferry-bench-'))
  await build({
    entryPoints: [path.join(tree, 'bench/browser/page.ts'), path.join(tree, 'bench/browser/same-worker.ts')],
    outdir: gen,
    bundle: true,
    format: 'esm',
    target: 'es2022',
    conditions: ['@ferry/source'],
    logLevel: 'warning',
  })
  const dist = path.join(tree, 'packages/runtime/dist/browser')
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url, 'http://x')
    const send = (status, body, type) => sendIsolated(res, status, type, body)
    const alias = /^\/v1\/models\/([^/]+)\/aliases\/latest$/.exec(url.pathname)
    if (alias && manifests.has(alias[1]))
      return send(200, JSON.stringify(manifests.get(alias[1])), 'application/json')
    const blob = /^\/v1\/blobs\/(.+)$/.exec(url.pathname)
    if (blob && blobs.has(blob[1])) return send(200, blobs.get(blob[1]), 'application/octet-stream')
    const model = /^\/model\/(.+)$/.exec(url.pathname)
    if (model && models[model[1]]) return send(200, models[model[1]], 'application/octet-stream')
    const file = url.pathname.startsWith('/dist/')
      ? path.join(dist, url.pathname.slice(6))
      : url.pathname.startsWith('/gen/')
        ? path.join(gen, url.pathname.slice(5))
        : url.pathname === '/bench/index.html'
          ? path.join(tree, 'bench/browser/index.html')
          : null
    if (!file || file.includes('..')) return send(404, 'not found', 'text/plain')
    try {
      send(200, await readFile(file), MIME[path.extname(file)] ?? 'application/octet-stream')
    } catch {
      send(404, 'not found', 'text/plain')
    }
  })
  await new Promise((r) => server.listen(0, '127.0.0.1', r))
  return {
    origin: `http://localhost:${server.address().port}`,
    async close() {
      server.close()
      await rm(gen, { recursive: true, force: true })
    },
  }
}

/** One full measurement in a fresh page of `origin`. */
async function measure(browser, origin) {
  const page = await browser.newPage()
  page.on('pageerror', (e) => console.error('page error:', e.message))
  try {
    await page.goto(`${origin}/bench/index.html${process.env.BENCH_QS ?? ''}`)
    await page.waitForFunction(() => window.benchReady === true)
    return await page.evaluate(
      (specs) => window.bench(specs),
      [
        { name: 'big', dim: big, n: quick ? 40 : 60 },
        { name: 'tiny', dim: 8, n: quick ? 500 : 2000 },
      ],
    )
  } finally {
    await page.close()
  }
}

const p50 = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

/** The figures of one measurement that the paired summary compares. */
function key(result) {
  const [b, t] = result.rows
  return {
    bigSame: p50(b.ferry) / p50(b.same),
    bigHop: p50(b.ferry) - p50(b.hop),
    tinyHop: p50(t.ferry) - p50(t.hop),
    tinyRaw: p50(t.ferry) - p50(t.raw),
    engineUs: result.inWorker ? result.inWorker.engineUs - result.inWorker.sessionUs : Number.NaN,
    tinyBackToBack: t.fastest ? t.fastest.ferry - t.fastest.hop : Number.NaN,
  }
}

/** Prints one measurement's table (the bench's output when run alone). */
function report(result, tag) {
  console.log(
    `\nFerry runtime overhead${tag} — real Chromium (${result.ua.match(/Chrome\/[\d.]+/)?.[0]}), WASM, 1 thread, worker mode, crossOriginIsolated=${result.isolated}`,
  )
  console.log(
    "raw: session.run timed inside the worker (raw same: on Ferry's session); raw+hop: raw same reached by postMessage, timed on the page;",
  )
  console.log(
    'ferry: model.run timed on the page. Calls interleaved one by one in shuffled order; all p50 ms.',
  )
  console.log(
    'model               raw  raw same   raw+hop     ferry  ferry/raw  ferry/same  added vs raw  vs raw+hop  engine compute  hop floor',
  )
  for (const r of result.rows) {
    const [a, s, h, b] = [p50(r.raw), p50(r.same), p50(r.hop), p50(r.ferry)]
    const label = r.name === 'big' ? `mlp ${big}x${big}` : 'mlp 8x4'
    const f = (v, w) => v.toFixed(3).padStart(w)
    console.log(
      `${label.padEnd(14)} ${f(a, 8)}  ${f(s, 8)}  ${f(h, 8)}  ${f(b, 8)}  ${f(b / a, 9)}  ${f(b / s, 10)}  ${f(b - a, 12)}  ${f(b - h, 10)}  ${f(p50(r.compute), 14)}  ${f(p50(r.floor), 9)}`,
    )
  }
  console.log(
    'hop floor: a bare postMessage round trip around a worker that busy-waits (no ORT) as long as raw p50',
  )
  console.log(
    `bare postMessage round trip to the same worker (the floor of any worker hop): p50 ${p50(result.ping).toFixed(3)} ms`,
  )
  // The same two measures for the bare hop (no Ferry): what no worker-hosted engine can beat here.
  const [bigRow, tinyRow] = result.rows
  console.log(
    `floor (raw+hop ÷ raw same, no Ferry): big-MLP ratio ${(p50(bigRow.hop) / p50(bigRow.same)).toFixed(3)}, tiny added ${(p50(tinyRow.hop) - p50(tinyRow.same)).toFixed(3)} ms`,
  )
  if (result.inWorker) {
    const { engineUs, sessionUs } = result.inWorker
    console.log(
      `in the worker, no hop (the fastest of 100 windows of 100 calls each, tiny model): engine.run ${engineUs.toFixed(1)} µs, session.run ${sessionUs.toFixed(1)} µs: Ferry's engine adds ${(engineUs - sessionUs).toFixed(1)} µs`,
    )
  }
  for (const r of result.rows)
    console.log(
      `back to back (${r.name}), fastest window: ferry ${r.fastest.ferry.toFixed(3)} ms, raw+hop ${r.fastest.hop.toFixed(3)} ms: Ferry adds ${(r.fastest.ferry - r.fastest.hop).toFixed(3)} ms over the bare hop`,
    )
  for (const r of result.rows) {
    const [to, inWorker, back] = r.hopSplit.map((v) => (v * 1000).toFixed(0))
    console.log(
      `raw+hop (${r.name}), p50 µs: page → worker ${to}, worker beyond session.run ${inWorker}, worker → page ${back} (a thread that slept through a long call wakes slowly)`,
    )
  }
  for (const c of result.channels)
    console.log(
      `bare round trip around a ${c.busy.toFixed(3)} ms call (${c.name}): worker's own channel (Ferry's calls) ${c.own.toFixed(3)} ms, a MessagePort ${c.port.toFixed(3)} ms`,
    )
}

const browser = await launchChromium()
const sites = { now: await site(path.join(here, '..')) }
if (beforeTree) sites.before = await site(path.resolve(beforeTree))
try {
  const results = { now: [], before: [] }
  for (let i = 0; i < reps; i++)
    for (const b of i % 2 && beforeTree ? ['before', 'now'] : Object.keys(sites))
      results[b].push(await measure(browser, sites[b].origin))
  for (const b of Object.keys(sites))
    for (const r of results[b]) report(r, b === 'now' ? '' : ` [before: ${beforeTree}]`)
  if (beforeTree) {
    const f = (v, d = 3) => (Number.isFinite(v) ? v.toFixed(d) : '-')
    console.log(
      `\nthis tree against ${beforeTree}, each rep ran both (medians of ${reps} reps; per rep in brackets):`,
    )
    const rows = [
      ['big ferry ÷ raw same', 'bigSame', 3],
      ['big ferry − raw+hop, ms', 'bigHop', 3],
      ['tiny ferry − raw+hop, ms', 'tinyHop', 3],
      ['tiny ferry − raw, ms', 'tinyRaw', 3],
      ['in-worker engine − session, µs', 'engineUs', 1],
      ['tiny back to back ferry − raw+hop, ms', 'tinyBackToBack', 3],
    ]
    for (const [label, k, d] of rows) {
      const now = results.now.map((r) => key(r)[k])
      const was = results.before.map((r) => key(r)[k])
      console.log(
        `${label.padEnd(32)} now ${f(p50(now), d).padStart(7)}  before ${f(p50(was), d).padStart(7)}  [${now.map((v) => f(v, d)).join(' ')}] [${was.map((v) => f(v, d)).join(' ')}]`,
      )
    }
  }
  console.log('goals: big-MLP ratio <= 1.05; tiny-model added ms <= 0.1 (p50)')
} finally {
  await browser.close()
  for (const s of Object.values(sites)) await s.close()
}
