// The ferry.load rows of cache-load.mjs: the real runtime (engine in its worker, IndexedDB default cache,
// digests checked) loads the 64 MiB model cold over the loopback registry, then again from the cache after
// a page reload, in a fresh browser context per rep. The fresh worker (its start, ORT's init) is NOT in the
// timed loads: a tiny model is loaded first, and that time is reported on a row of its own. Baselines (ORT
// create from bytes in memory; a plain fetch + create) run in the same page in the same rep, each in a
// fresh worker warmed on the tiny model the same way.

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

/** One ferry.load of the 64 MiB model in `page`, with its phase times and the close that follows. */
const load = (page, registry, version) =>
  page.evaluate(
    async ({ registry, version }) => {
      const t00 = performance.now()
      const ferry = Ferry.createRuntime({ registry, cache: { maxBytes: 1 << 30 }, telemetry: false })
      let source
      ferry.on('event', (e) => {
        if (e.type === 'load' && e.model === 'bench-64m') source = e.source
      })
      await (await ferry.load('bench-tiny')).unload()
      const worker = performance.now() - t00
      const at = {}
      const t0 = performance.now()
      await ferry.load('bench-64m', {
        version,
        onProgress: (p) => {
          at[p.phase] ??= performance.now() - t0
        },
      })
      const ms = performance.now() - t0
      const t1 = performance.now()
      await ferry.close()
      const close = performance.now() - t1
      const bytesEnd = at.verifying ?? at.compiling
      const phases = {
        resolve: at.downloading,
        bytes: bytesEnd - at.downloading,
        verify: at.verifying === undefined ? 0 : at.compiling - at.verifying,
        create: at.ready - at.compiling,
      }
      return { ms, source, worker, close, phases }
    },
    { registry, version },
  )

/**
 * ORT alone, on the same footing as the engine: in a fresh worker of the same page whose ORT was warmed
 * on the tiny model, one timed create of the 64 MiB model from bytes in memory (`memory`), after a plain
 * fetch (`fetch`), or after reading the blob that ferry stored in IndexedDB with no bookkeeping (`idb`);
 * `+sha` checks the sha256 (crypto.subtle) before the create. `idb`, `idb+sha` and `fetch+sha` are the
 * floors of a cached load and of a cold load that checks its bytes before use.
 */
const baseline = (page, blobUrl, tinyUrl, digest, kind) =>
  page.evaluate(
    async ({ blobUrl, tinyUrl, digest, kind }) => {
      const src = `
        import * as ort from '${location.origin}/runtime/ort.wasm.min.mjs'
        ort.env.wasm.wasmPaths = '${location.origin}/runtime/'
        ort.env.wasm.numThreads = 1
        const get = async (u) => new Uint8Array(await (await fetch(u, { cache: 'no-store' })).arrayBuffer())
        const create = async (b) => (await ort.InferenceSession.create(b)).release()
        const done = (r) => new Promise((res, rej) => { r.onsuccess = () => res(r.result); r.onerror = () => rej(r.error) })
        const idb = async () => {
          const db = await done(indexedDB.open('ferry-cache'))
          const range = IDBKeyRange.bound(['${digest}', 0], ['${digest}', Infinity])
          const chunks = await done(db.transaction('chunks').objectStore('chunks').getAll(range))
          db.close()
          return new Uint8Array(await new Blob(chunks).arrayBuffer())
        }
        await create(await get('${tinyUrl}'))
        const kind = '${kind}'
        const bytes = kind === 'memory' ? await get('${blobUrl}') : null
        const t0 = performance.now()
        let b = bytes
        if (kind.startsWith('fetch')) b = await get('${blobUrl}')
        if (kind.startsWith('idb')) b = await idb()
        if (kind.endsWith('+sha')) await crypto.subtle.digest('SHA-256', b)
        await create(b)
        postMessage(performance.now() - t0)`
      const w = new Worker(URL.createObjectURL(new Blob([src], { type: 'text/javascript' })), {
        type: 'module',
      })
      const ms = await new Promise((resolve, reject) => {
        w.onmessage = (e) => resolve(e.data)
        w.onerror = (e) => reject(new Error(e.message))
      })
      w.terminate()
      return ms
    },
    { blobUrl, tinyUrl, digest, kind },
  )

const BASELINES = { create: 'memory', plain: 'fetch', plainSha: 'fetch+sha', idb: 'idb', idbSha: 'idb+sha' }

/** Runs the reps (alternating builds when `before` is set) and prints the ratio table. */
export async function ferryLoadRows({
  browser,
  origin,
  registry,
  digest,
  tinyDigest,
  version,
  reps,
  before,
  row,
}) {
  const builds = before ? ['runtime', 'before'] : ['runtime']
  const s = Object.fromEntries(builds.map((b) => [b, { cold: [], cached: [] }]))
  const base = Object.fromEntries(Object.keys(BASELINES).map((k) => [k, []]))
  for (let i = 0; i < reps; i++) {
    for (const b of i % 2 ? [...builds].reverse() : builds) {
      const ctx = await browser.newContext()
      const page = await ctx.newPage()
      const url = `${origin}/bench/ferry.html?build=${b}`
      await page.goto(url)
      const cold = await load(page, registry, version)
      await page.goto(url)
      const cached = await load(page, registry, version)
      if (cold.source !== 'network' || cached.source !== 'cache')
        throw new Error(`${b}: sources ${cold.source}, ${cached.source}`)
      s[b].cold.push(cold)
      s[b].cached.push(cached)
      if (b === 'runtime') {
        const blob = `${registry}/v1/blobs/${digest}`
        const tiny = `${registry}/v1/blobs/${tinyDigest}`
        for (const [k, kind] of Object.entries(BASELINES))
          base[k].push(await baseline(page, blob, tiny, digest, kind))
      }
      await ctx.close()
    }
  }
  const create = median(base.create)
  const plain = median(base.plain)
  const med = (xs, f) => median(xs.map(f))
  console.log(
    'ferry.load end to end (engine in its worker, IndexedDB default cache, digests checked), median of',
    reps,
  )
  console.log('timed from ferry.load() to its promise; the fresh worker + ORT init are excluded (row below)')
  for (const b of builds) {
    const tag = b === 'runtime' ? '' : ' [before]'
    row(
      `ferry.load from the cache after a reload${tag}`,
      med(s[b].cached, (x) => x.ms),
      create,
      '1.15',
    )
    row(
      `ferry.load cold over the loopback registry${tag}`,
      med(s[b].cold, (x) => x.ms),
      plain,
      '1.10',
    )
  }
  // What no IndexedDB-backed load can beat on this machine: the bare read (and check) before the create.
  row('floor: IndexedDB read + create (no bookkeeping, no check)', median(base.idb), create, '1.15')
  row('floor: IndexedDB read + sha256 + create', median(base.idbSha), create, '1.15')
  row('floor: plain fetch + sha256 + create (checked before use)', median(base.plainSha), plain, '1.10')
  if (before) {
    // Each rep ran both builds back to back: the median of their per-rep ratios is less noisy.
    const paired = (kind) => median(s.runtime[kind].map((x, i) => x.ms / s.before[kind][i].ms))
    console.log(
      `this build ÷ before, median of per-rep ratios: cached ${paired('cached').toFixed(3)}, cold ${paired('cold').toFixed(3)}`,
    )
  }
  console.log('')
  const ms = (x) => `${x.toFixed(1)}`.padStart(8)
  console.log(
    `${'phases, ms (median)'.padEnd(34)}${['resolve', 'bytes', 'verify', 'create', 'close'].map((h) => h.padStart(8)).join('')}`,
  )
  for (const b of builds)
    for (const kind of ['cached', 'cold']) {
      const xs = s[b][kind]
      const p = (k) => med(xs, (x) => x.phases[k])
      const label = `${kind}${b === 'runtime' ? '' : ' [before]'}`
      console.log(
        `${label.padEnd(34)}${ms(p('resolve'))}${ms(p('bytes'))}${ms(p('verify'))}${ms(p('create'))}${ms(med(xs, (x) => x.close))}`,
      )
    }
  console.log('(bytes: cache read or download; verify: sha256 before create, network only; create: from the')
  console.log(
    " 'compiling' phase to ready, incl. a cached blob's digest check when it overlaps; close: after",
  )
  console.log(' the load, waits for a background store)')
  console.log(
    `fresh worker + ORT init + a tiny model's load (not in the rows above): ${med(s.runtime.cold, (x) => x.worker).toFixed(1)} ms` +
      (before ? `, before: ${med(s.before.cold, (x) => x.worker).toFixed(1)} ms` : ''),
  )
  // FERRY_BENCH_RAW=1: every rep's value, to judge the noise.
  if (process.env.FERRY_BENCH_RAW)
    for (const b of builds)
      for (const kind of ['cached', 'cold'])
        console.log(`${kind} ${b}: ${s[b][kind].map((x) => x.ms.toFixed(0)).join(' ')}`)
  console.log(
    `baselines (same pages, first 64 MiB create in a fresh worker warmed on the tiny model): create ${create.toFixed(1)} ms, plain fetch + create ${plain.toFixed(1)} ms`,
  )
}
