// Bytes-tier benchmark in real Chromium (WASM backend): a 64 MB model loaded from the IndexedDB cache
// to a ready session ÷ InferenceSession.create from bytes already in memory (goal ≤ 1.15), and a cold
// load over a loopback registry ÷ a plain fetch of the same bytes + create (goal ≤ 1.10). Also prints
// what the digest check on read costs. All ratios against baselines measured in the same page.
// Two parts: the cache module alone (repeated creates in one page: ORT's heap is already grown), then
// the real ferry.load path (lib/ferry-load.mjs: a fresh worker per page, so its baselines are the first
// 64 MiB create in a fresh worker, which costs about 3× a repeated one). Env: FERRY_BENCH_REPS,
// FERRY_BENCH_PART=ferry (ferry.load rows only), FERRY_BENCH_RUNTIME_DIR, FERRY_BENCH_BEFORE_DIR (a
// second build measured in the same run, with paired ratios), FERRY_BENCH_RAW=1 (every rep's value).
import { createReadStream } from 'node:fs'
import { readFile, stat } from 'node:fs/promises'
import http from 'node:http'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { launchChromium } from './lib/common.mjs'
import { ferryLoadRows } from './lib/ferry-load.mjs'
import { startFsRegistry } from './lib/fs-registry.mjs'
import { mlpOnnx, mlpSignature } from './lib/mlp-onnx.mjs'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
// FERRY_BENCH_RUNTIME_DIR: measure another build of the runtime (for the ferry.load rows).
const runtimeDist = process.env.FERRY_BENCH_RUNTIME_DIR ?? join(root, 'packages/runtime/dist/browser')
// FERRY_BENCH_BEFORE_DIR: another build (say, the last commit's) whose ferry.load rows run in the same run.
const beforeDist = process.env.FERRY_BENCH_BEFORE_DIR
const REPS = Number(process.env.FERRY_BENCH_REPS ?? 5)
const N = 4096 // 4096×4096 float32 weights: 64 MiB

await stat(join(runtimeDist, 'ort.wasm.min.mjs')).catch(() => {
  console.error('packages/runtime/dist/browser is missing: run `npm run build -w packages/runtime` first')
  process.exit(2)
})

// A loopback registry with the model published, the way `ferry publish` does it; and a 4×4 MLP under
// `bench-tiny`: loading it first starts the runtime's worker and ONNX Runtime.
const model = mlpOnnx(N, N, 7)
const registry = await startFsRegistry('cache')
const regUrl = registry.url
const { digest, version } = await registry.publish('bench-64m', model, mlpSignature(N, N))
const { digest: tinyDigest } = await registry.publish('bench-tiny', mlpOnnx(4, 4, 1), mlpSignature(4, 4))

// The ferry.load rows need a build whose default cache is IndexedDB (its database name is in the bundle).
const persistentRuntime = (await readFile(join(runtimeDist, 'ferry-worker.mjs'), 'utf8')).includes(
  '"ferry-cache"',
)

// The page's origin: the runtime's browser build (ORT files) and the cache module bundled for it.
const cacheBundle = (
  await build({
    stdin: {
      contents:
        "export { createCache } from './core.js'\nexport { createIndexedDBDriver } from './drivers/indexeddb.js'",
      resolveDir: join(root, 'packages/runtime/src/cache'),
      loader: 'ts',
    },
    bundle: true,
    format: 'esm',
    target: 'es2022',
    conditions: ['@ferry/source'],
    write: false,
  })
).outputFiles[0].text
const site = http.createServer((req, res) => {
  const p = new URL(req.url, 'http://x').pathname
  if (p === '/bench/cache.mjs') {
    res.writeHead(200, { 'content-type': 'text/javascript' })
    return res.end(cacheBundle)
  }
  if (p === '/bench/index.html' || p === '/bench/ferry.html') {
    res.writeHead(200, { 'content-type': 'text/html' })
    // ferry.html?build=before: the page of the build to compare with (FERRY_BENCH_BEFORE_DIR).
    const build = new URL(req.url, 'http://x').searchParams.get('build') === 'before' ? 'before' : 'runtime'
    const script = p.endsWith('ferry.html') ? `<script src="/${build}/ferry.js"></script>` : ''
    return res.end(`<!doctype html><meta charset="utf-8"><title>cache bench</title>${script}`)
  }
  const dir = p.startsWith('/runtime/') ? runtimeDist : p.startsWith('/before/') ? beforeDist : undefined
  if (dir && !p.includes('..')) {
    const type = p.endsWith('.wasm') ? 'application/wasm' : 'text/javascript'
    const s = createReadStream(join(dir, p.slice(p.indexOf('/', 1) + 1)))
    s.on('error', () => res.writeHead(404).end())
    s.on('open', () => res.writeHead(200, { 'content-type': type }))
    return s.pipe(res)
  }
  res.writeHead(404).end()
})
await new Promise((r) => site.listen(0, '127.0.0.1', r))
const origin = `http://localhost:${site.address().port}`

const browser = await launchChromium()
try {
  // FERRY_BENCH_PART=ferry: only the ferry.load rows (the cache module's rows take as long again).
  const ms = (x) => `${x.toFixed(1)} ms`.padStart(11)
  const row = (label, value, base, goal) =>
    console.log(
      `${label.padEnd(58)}${ms(value)}${ms(base)}${(value / base).toFixed(3).padStart(8)}${goal ? `  (goal ≤ ${goal})` : ''}`,
    )
  if (process.env.FERRY_BENCH_PART !== 'ferry') {
    const page = await (await browser.newContext()).newPage()
    await page.goto(`${origin}/bench/index.html`)
    const r = await page.evaluate(
      async ({ blobUrl, digest, version, reps }) => {
        const ort = await import('/runtime/ort.wasm.min.mjs')
        ort.env.wasm.wasmPaths = '/runtime/'
        ort.env.wasm.numThreads = 1
        const { createCache, createIndexedDBDriver } = await import('/bench/cache.mjs')
        const owner = { name: 'bench-64m', version }
        const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
        const time = async (fn) => {
          const t0 = performance.now()
          await fn()
          return performance.now() - t0
        }
        const create = async (bytes) => (await ort.InferenceSession.create(bytes)).release()
        const download = async () =>
          new Uint8Array(await (await fetch(blobUrl, { cache: 'no-store' })).arrayBuffer())
        const sha = async (bytes) => {
          const h = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))
          return `sha256:${[...h].map((b) => b.toString(16).padStart(2, '0')).join('')}`
        }
        const cache = (verify) =>
          createCache(createIndexedDBDriver({ name: 'ferry-bench' }), { verify, maxBytes: 1 << 30 })

        const inMemory = await download()
        await create(inMemory) // warm up ORT's wasm
        await cache('never').clear()
        if (!(await cache('never').put(digest, inMemory, owner))) throw new Error('could not store the model')

        const rows = {
          create: [],
          verified: [],
          overlapped: [],
          unverified: [],
          read: [],
          hash: [],
          plain: [],
          cold: [],
          coldStoreAfter: [],
        }
        for (let i = 0; i < reps; i++) {
          rows.create.push(await time(() => create(inMemory)))
          // A new cache object is a new session: 'first-read' checks the digest on this read.
          rows.verified.push(await time(async () => create(await cache('first-read').get(digest, owner))))
          // read(): the digest check runs while the session is created; both must finish.
          rows.overlapped.push(
            await time(async () => {
              const r = await cache('first-read').read(digest, owner)
              const [, ok] = await Promise.all([create(r.bytes), r.verified])
              if (!ok) throw new Error('corrupt')
            }),
          )
          rows.unverified.push(await time(async () => create(await cache('never').get(digest, owner))))
          rows.read.push(await time(() => cache('never').get(digest, owner)))
          rows.hash.push(await time(() => sha(inMemory)))
          rows.plain.push(await time(async () => create(await download())))
          // Cold: download, check the digest, store in IndexedDB while the session is created.
          await cache('never').delete('bench-64m')
          let stored
          rows.cold.push(
            await time(async () => {
              const bytes = await download()
              if ((await sha(bytes)) !== digest) throw new Error('digest mismatch')
              stored = cache('never').put(digest, bytes, owner)
              await create(bytes)
            }),
          )
          const t0 = performance.now()
          if (!(await stored)) throw new Error('cold load did not store')
          rows.coldStoreAfter.push(performance.now() - t0)
        }
        return Object.fromEntries(Object.entries(rows).map(([k, v]) => [k, median(v)]))
      },
      { blobUrl: `${regUrl}/v1/blobs/${digest}`, digest, version, reps: REPS },
    )

    console.log(
      `cache-load: 64 MiB model (${(model.byteLength / 2 ** 20).toFixed(1)} MiB), WASM, median of ${REPS}`,
    )
    console.log(
      `${'measure'.padEnd(58)}${'value'.padStart(11)}${'baseline'.padStart(11)}${'ratio'.padStart(8)}`,
    )
    row('cached load, digest checked (IndexedDB -> ready session)', r.verified, r.create, '1.15')
    row('cached load, digest check overlapped with create (read())', r.overlapped, r.create, '1.15')
    row('cached load, no digest check (same session re-load)', r.unverified, r.create, '1.15')
    row('cold load: registry fetch + sha256 + create || store', r.cold, r.plain, '1.10')
    console.log('')
    console.log(`create from bytes in memory          ${ms(r.create)}`)
    console.log(`IndexedDB read of the 64 MiB blob    ${ms(r.read)}`)
    console.log(`sha256 of 64 MiB (crypto.subtle)     ${ms(r.hash)}`)
    console.log(`plain fetch + create                 ${ms(r.plain)}`)
    console.log(`store finishing after the cold load  ${ms(r.coldStoreAfter)}`)

    console.log('')
  }
  if (!persistentRuntime) {
    console.log('ferry.load rows skipped: this runtime build does not keep bytes in IndexedDB by default yet')
  } else {
    await ferryLoadRows({
      browser,
      origin,
      registry: regUrl,
      digest,
      tinyDigest,
      version,
      reps: REPS,
      before: !!beforeDist,
      row,
    })
  }
} finally {
  await browser.close()
  await registry.close()
  site.close()
}
