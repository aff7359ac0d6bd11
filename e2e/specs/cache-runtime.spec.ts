// The bytes tier through the built runtime in real Chromium: budget and LRU eviction seen in
// cache.list(), pinning, shared blobs, offline reloads, a simulated quota, bytes altered in IndexedDB,
// and two tabs loading while one evicts. FERRY_E2E_FERRY_DIR serves another build of the runtime.
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import type { Page } from '@playwright/test'
import {
  catalog,
  expect,
  publish,
  RuntimePage,
  repoRoot,
  type StaticServer,
  startStaticServer,
  test,
} from '../fixtures/index.js'

test.skip(({ backend }) => backend !== 'wasm', 'storage does not depend on the GPU; once is enough')

let alt: StaticServer | undefined
let persistentDefault = false
test.beforeAll(async () => {
  const dir = process.env.FERRY_E2E_FERRY_DIR
  if (dir) alt = await startStaticServer({ mounts: { '/rt/': dir } })
  // Until engine/default-cache.ts builds the cache with createModelCache, the build has no IndexedDB
  // cache (the database name is a string in its bundle) and nothing here can hold.
  const worker = await readFile(
    path.join(dir ?? path.join(repoRoot, 'packages/runtime/dist/browser'), 'ferry-worker.mjs'),
    'utf8',
  )
  persistentDefault = worker.includes('"ferry-cache"') || worker.includes("'ferry-cache'")
})
test.beforeEach(() => {
  test.skip(
    !persistentDefault,
    'the runtime build does not use the IndexedDB cache by default yet (engine/default-cache.ts)',
  )
})
test.afterAll(async () => alt?.close())
const ferrySrc = () => (alt ? { ferrySrc: `${alt.origin}/rt/ferry.js` } : {})

const sizeOf = (p: { manifest: { files: { size: number }[] } }) =>
  p.manifest.files.reduce((n, f) => n + f.size, 0)

interface CacheRow {
  name: string
  version: number
  bytes: number
  pinned: boolean
  complete: boolean
  digests: string[]
}

interface PageRuntime {
  cache: Record<string, (...args: unknown[]) => Promise<unknown>>
  on(type: 'event', fn: (e: unknown) => void): () => void
  close(): Promise<void>
}
declare global {
  interface Window {
    events: { type: string; action?: string; model?: string; source?: string }[]
  }
}

/** `ferry.cache[op](...args)` in the page. */
const cacheOp = <T>(page: Page, op: string, ...args: unknown[]) =>
  page.evaluate(
    ([o, a]) => (window.harness.runtimes.get('rt') as PageRuntime).cache[o as string]?.(...(a as unknown[])),
    [op, args] as const,
  ) as Promise<T>
const list = (page: Page) => cacheOp<CacheRow[]>(page, 'list')
const names = async (page: Page) => (await list(page)).map((e) => e.name).sort()
const closeRuntime = (page: Page) =>
  page.evaluate(() => (window.harness.runtimes.get('rt') as PageRuntime).close())
/** Collects the runtime's events into window.events. */
const recordEvents = (page: Page) =>
  page.evaluate(() => {
    window.events = []
    ;(window.harness.runtimes.get('rt') as PageRuntime).on('event', (e) => window.events.push(e as never))
  })
const events = (page: Page) => page.evaluate(() => window.events)
/** Loads, runs once and unloads (so the version is no longer in use and may be evicted). */
async function use(rp: RuntimePage, key: keyof typeof catalog, name: string, version?: number | string) {
  await rp.mustLoad(name, version === undefined ? {} : { version }, key)
  await rp.mustRun(key, catalog[key].inputs())
  await rp.page.evaluate((k) => (window.harness.models.get(k) as { unload(): Promise<void> }).unload(), key)
}
/** The IndexedDB cache must be the runtime's default for these specs to mean anything. */
async function requireIndexedDB(page: Page) {
  const dbs = await page.evaluate(async () => (await indexedDB.databases()).map((d) => d.name))
  expect(
    dbs,
    'the runtime keeps its bytes in IndexedDB (engine/default-cache.ts uses createModelCache)',
  ).toContain('ferry-cache')
}

test('over budget the least recently used model goes; pinning changes the choice', async ({
  openRuntimePage,
  published,
}) => {
  const { sileroVad: vad, ocrCls: cls, ocrDet: det } = published
  const rp = await openRuntimePage(ferrySrc())
  await rp.createRuntime({ cache: { maxBytes: sizeOf(cls) + sizeOf(det) + 1000 } })
  await recordEvents(rp.page)
  await use(rp, 'sileroVad', vad.name)
  await requireIndexedDB(rp.page)
  await use(rp, 'ocrCls', cls.name)
  expect(await names(rp.page)).toEqual([cls.name, vad.name].sort())
  await use(rp, 'ocrDet', det.name)
  expect(await names(rp.page)).toEqual([cls.name, det.name].sort())
  expect((await events(rp.page)).filter((e) => e.action === 'evict').map((e) => e.model)).toEqual([vad.name])

  await cacheOp(rp.page, 'clear')
  await closeRuntime(rp.page)
  await rp.createRuntime({ cache: { maxBytes: sizeOf(vad) + sizeOf(det) + 1000 } })
  await use(rp, 'sileroVad', vad.name)
  await cacheOp(rp.page, 'pin', vad.name, vad.version)
  await use(rp, 'ocrCls', cls.name)
  await use(rp, 'ocrDet', det.name)
  const rows = await list(rp.page)
  expect(rows.map((e) => e.name).sort()).toEqual([det.name, vad.name].sort())
  expect(rows.find((e) => e.name === vad.name)?.pinned).toBe(true)
})

test('a blob shared by two versions survives the eviction of one', async ({
  openRuntimePage,
  published,
  registry,
}) => {
  const one = await publish(registry.url, registry.token, 'shared-one', {
    'model.onnx': catalog.ocrCls.file,
    'labels.json': new TextEncoder().encode(JSON.stringify({ labels: ['0', '180'], pad: 'x'.repeat(300) })),
  })
  const two = await publish(registry.url, registry.token, 'shared-two', {
    'model.onnx': catalog.ocrCls.file,
    'labels.json': new TextEncoder().encode(JSON.stringify({ labels: ['up', 'down'] })),
  })
  const vad = published.sileroVad
  const labelsOne = one.manifest.files[1]?.size ?? 0
  const rp = await openRuntimePage(ferrySrc())
  // Room for everything but shared-one's labels: evicting shared-one alone must be enough.
  await rp.createRuntime({ cache: { maxBytes: sizeOf(two) + sizeOf(vad) + labelsOne - 1 } })
  await use(rp, 'ocrCls', 'shared-one')
  await use(rp, 'ocrCls', 'shared-two')
  expect(await names(rp.page)).toEqual(['shared-one', 'shared-two'])
  await use(rp, 'sileroVad', vad.name)
  const rows = await list(rp.page)
  expect(rows.map((e) => e.name).sort()).toEqual(['shared-two', vad.name].sort())
  const kept = rows.find((e) => e.name === 'shared-two')
  expect(kept?.complete).toBe(true)
  expect(kept?.bytes).toBe(sizeOf(two))
  expect(kept?.digests).toContain(one.manifest.files[0]?.digest)
})

test('reloaded with the registry stopped: cached models load and run, others give NOT_CACHED_OFFLINE', async ({
  openRuntimePage,
  published,
  registryProxy,
}) => {
  const { sileroVad: vad, ocrCls: cls, ocrDet: det } = published
  const proxy = await registryProxy()
  const rp = await openRuntimePage({ ...ferrySrc(), registry: proxy.url })
  const cache = { maxBytes: sizeOf(cls) + sizeOf(det) + 1000 }
  await rp.createRuntime({ cache })
  await use(rp, 'sileroVad', vad.name, 'stable')
  await use(rp, 'ocrCls', cls.name, 'stable')
  await use(rp, 'ocrDet', det.name, det.version)
  expect(await names(rp.page)).toEqual([cls.name, det.name].sort())
  await proxy.close()

  const offline = await openRuntimePage({ ...ferrySrc(), registry: proxy.url })
  await offline.createRuntime({ cache })
  const t0 = Date.now()
  const byAlias = await offline.load(cls.name, { version: 'stable' }, 'ocrCls')
  expect(byAlias.ok && byAlias.model.version).toBe(cls.version)
  expect((await offline.run('ocrCls', catalog.ocrCls.inputs())).ok).toBe(true)
  await offline.mustLoad(det.name, { version: det.version }, 'ocrDet')
  expect((await offline.run('ocrDet', catalog.ocrDet.inputs())).ok).toBe(true)
  const evicted = await offline.load(vad.name, { version: 'stable' }, 'sileroVad')
  expect(evicted.ok ? 'loaded' : evicted.error.code).toBe('NOT_CACHED_OFFLINE')
  const unknownVersion = await offline.load(cls.name, { version: cls.version + 100 }, 'x')
  expect(unknownVersion.ok ? 'loaded' : unknownVersion.error.code).toBe('NOT_CACHED_OFFLINE')
  expect(Date.now() - t0).toBeLessThan(20_000)
})

test('a simulated quota error runs the model uncached with a quota event', async ({
  openRuntimePage,
  published,
  site,
}) => {
  const { ocrCls: cls, ocrDet: det } = published
  const rp = await openRuntimePage(ferrySrc())
  const cdp = await rp.page.context().newCDPSession(rp.page)
  await cdp.send('Storage.overrideQuotaForOrigin', { origin: site.origin, quotaSize: 3_000_000 })
  await rp.createRuntime({ cache: { maxBytes: 1e9 } })
  await recordEvents(rp.page)
  await use(rp, 'ocrCls', cls.name)
  await use(rp, 'ocrDet', det.name)
  expect(await names(rp.page)).toEqual([cls.name])
  expect((await events(rp.page)).filter((e) => e.action === 'quota').map((e) => e.model)).toEqual([det.name])
  await cdp.send('Storage.overrideQuotaForOrigin', { origin: site.origin })
})

test('bytes altered in IndexedDB are caught on the next load and refetched', async ({
  openRuntimePage,
  published,
}) => {
  const cls = published.ocrCls
  const rp = await openRuntimePage(ferrySrc())
  await rp.createRuntime()
  await use(rp, 'ocrCls', cls.name)
  await requireIndexedDB(rp.page)
  await closeRuntime(rp.page)
  const digest = cls.manifest.files[0]?.digest as string
  const altered = await rp.page.evaluate(async (d) => {
    const db = await new Promise<IDBDatabase>((res, rej) => {
      const o = indexedDB.open('ferry-cache')
      o.onsuccess = () => res(o.result)
      o.onerror = () => rej(o.error)
    })
    const chunk = await new Promise<Blob | ArrayBuffer>((res) => {
      const q = db.transaction('chunks').objectStore('chunks').get([d, 0])
      q.onsuccess = () => res(q.result)
    })
    const bytes = new Uint8Array(chunk instanceof Blob ? await chunk.arrayBuffer() : chunk)
    bytes[bytes.length >> 1] = (bytes[bytes.length >> 1] ?? 0) ^ 0xff
    await new Promise<void>((res, rej) => {
      const t = db.transaction('chunks', 'readwrite')
      t.objectStore('chunks').put(new Blob([bytes]), [d, 0])
      t.oncomplete = () => res()
      t.onerror = () => rej(t.error)
    })
    db.close()
    return bytes.length
  }, digest)
  expect(altered).toBeGreaterThan(0)

  const again = await openRuntimePage(ferrySrc())
  await again.createRuntime()
  await recordEvents(again.page)
  await again.mustLoad(cls.name, {}, 'ocrCls')
  expect((await again.run('ocrCls', catalog.ocrCls.inputs())).ok).toBe(true)
  const seen = await events(again.page)
  expect(seen.filter((e) => e.action === 'corrupt').map((e) => e.model)).toEqual([cls.name])
  expect(seen.find((e) => e.type === 'load')?.source).toBe('network')
  expect((await list(again.page)).find((e) => e.name === cls.name)?.complete).toBe(true)
})

test('two tabs load while one evicts: every load succeeds', async ({
  openRuntimePage,
  published,
  site,
  registry,
}) => {
  const { sileroVad: vad, ocrCls: cls, ocrDet: det } = published
  const cache = { maxBytes: sizeOf(vad) + sizeOf(det) + 1000 }
  const a = await openRuntimePage(ferrySrc())
  const pageB = await a.page.context().newPage()
  const src = ferrySrc().ferrySrc
  await pageB.goto(`${site.origin}/pages/runtime.html${src ? `?ferry=${encodeURIComponent(src)}` : ''}`)
  await pageB.evaluate(() => window.harness.ready)
  const b = new RuntimePage(pageB, registry.url)
  await a.createRuntime({ cache })
  await b.createRuntime({ cache })
  // Tab B keeps det loaded (in use) while tab A cycles through models and evicts.
  const loadsA = (async () => {
    for (const [key, p] of [
      ['sileroVad', vad],
      ['ocrCls', cls],
      ['ocrDet', det],
      ['sileroVad', vad],
      ['ocrCls', cls],
    ] as const)
      await use(a, key, p.name)
  })()
  const loadsB = (async () => {
    await b.mustLoad(det.name, {}, 'ocrDet')
    for (let i = 0; i < 3; i++) await b.mustRun('ocrDet', catalog.ocrDet.inputs(i + 1))
    await b.mustLoad(cls.name, {}, 'ocrCls')
    await b.mustRun('ocrCls', catalog.ocrCls.inputs())
  })()
  await Promise.all([loadsA, loadsB])
  const rows = await list(a.page)
  expect(rows.reduce((n, e) => n + e.bytes, 0)).toBeLessThanOrEqual(cache.maxBytes)
  for (const e of rows) expect(e.complete, `${e.name} complete`).toBe(true)
  await b.closeAll()
  await pageB.close()
})
