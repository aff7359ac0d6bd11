// The cache's shared cases against the IndexedDB driver in real Chromium (real IndexedDB, real Web
// Locks), plus what only a browser shows: chunked records, bytes altered in IndexedDB behind the
// cache's back, and two real tabs sharing one store while one evicts.
import path from 'node:path'
import type { Page } from '@playwright/test'
import { build } from 'esbuild'
import { expect, repoRoot, test } from '../fixtures/index.js'

test.skip(({ backend }) => backend !== 'wasm', 'storage does not depend on the GPU; once is enough')

let bundle = ''
test.beforeAll(async () => {
  const casesDir = path.join(repoRoot, 'packages/runtime/test/cache')
  const out = await build({
    stdin: {
      contents: [
        "export * from './kit.js'",
        "export * from './cases.js'",
        "export { createIndexedDBDriver, CHUNK } from '../../src/cache/drivers/indexeddb.js'",
        "export { createCache } from '../../src/cache/core.js'",
      ].join('\n'),
      resolveDir: casesDir,
      loader: 'ts',
    },
    bundle: true,
    format: 'iife',
    globalName: 'FerryCacheTest',
    target: 'es2022',
    conditions: ['@ferry/source'],
    write: false,
  })
  bundle = out.outputFiles[0]?.text ?? ''
})

/** Opens an empty page on the site's origin (a secure context) with the cache bundle loaded. */
async function cachePage(page: Page, origin: string) {
  await page.route(`${origin}/cache-test/**`, (route) =>
    route.request().url().endsWith('.js')
      ? route.fulfill({ contentType: 'text/javascript', body: bundle })
      : route.fulfill({
          contentType: 'text/html',
          body: '<!doctype html><meta charset="utf-8"><script src="bundle.js"></script>',
        }),
  )
  await page.goto(`${origin}/cache-test/index.html`)
  expect(await page.evaluate(() => typeof navigator.locks?.request)).toBe('function')
}

declare global {
  interface Window {
    // biome-ignore lint/suspicious/noExplicitAny: the bundle's exports, used only inside page.evaluate
    FerryCacheTest: any
  }
}

test('every shared cache case passes on IndexedDB in Chromium', async ({ page, site }) => {
  await cachePage(page, site.origin)
  const names = await page.evaluate(() => Object.keys(window.FerryCacheTest.cacheCases))
  expect(names.length).toBeGreaterThan(10)
  for (const name of names) {
    const error = await page.evaluate(async (n) => {
      const T = window.FerryCacheTest
      const db = `ferry-e2e-${Math.random().toString(36).slice(2)}`
      try {
        await T.runCase(
          async () => ({
            open: () => T.createIndexedDBDriver({ name: db }),
            cleanup: () =>
              new Promise((resolve) => {
                const r = indexedDB.deleteDatabase(db)
                r.onsuccess = r.onerror = r.onblocked = resolve
              }),
          }),
          n,
        )
        return null
      } catch (e) {
        return String((e as Error)?.stack ?? e)
      }
    }, name)
    expect(error, name).toBeNull()
  }
})

test('a big blob is stored in chunk records and altered bytes in IndexedDB are caught', async ({
  page,
  site,
}) => {
  await cachePage(page, site.origin)
  const r = await page.evaluate(async () => {
    const T = window.FerryCacheTest
    const db = 'ferry-e2e-chunks'
    const events: string[] = []
    const cache = T.createCache(T.createIndexedDBDriver({ name: db }), {
      onEvent: (e: { action: string }) => events.push(e.action),
    })
    const size = 2 * T.CHUNK + 12345
    const b = await T.blob(7, size)
    const owner = { name: 'big', version: 1 }
    await cache.putManifest(T.manifest('big', 1, [b]))
    const stored = await cache.put(b.digest, b.bytes, owner)
    // Look at the raw store, then flip one byte of the middle chunk behind the cache's back.
    const idb = await new Promise<IDBDatabase>((res, rej) => {
      const o = indexedDB.open(db)
      o.onsuccess = () => res(o.result)
      o.onerror = () => rej(o.error)
    })
    const keys = await new Promise<IDBValidKey[]>((res) => {
      const q = idb.transaction('chunks').objectStore('chunks').getAllKeys()
      q.onsuccess = () => res(q.result)
    })
    const stored1 = await new Promise<Blob | ArrayBuffer>((res) => {
      const q = idb.transaction('chunks').objectStore('chunks').get([b.digest, 1])
      q.onsuccess = () => res(q.result)
    })
    const chunk = new Uint8Array(stored1 instanceof Blob ? await stored1.arrayBuffer() : stored1)
    chunk[100] = (chunk[100] ?? 0) ^ 0xff
    await new Promise<void>((res, rej) => {
      const t = idb.transaction('chunks', 'readwrite')
      t.objectStore('chunks').put(new Blob([chunk]), [b.digest, 1])
      t.oncomplete = () => res()
      t.onerror = () => rej(t.error)
    })
    idb.close()
    const sameSession = await cache.get(b.digest, owner)
    const fresh = T.createCache(T.createIndexedDBDriver({ name: db }), {
      onEvent: (e: { action: string }) => events.push(e.action),
    })
    // The first read's digest check runs on a helper worker (crypto.subtle blocks the thread it runs
    // on): count the workers started while the fresh cache reads.
    const RealWorker = window.Worker
    let helpers = 0
    window.Worker = class extends RealWorker {
      constructor(...args: ConstructorParameters<typeof Worker>) {
        super(...args)
        helpers++
      }
    }
    const afterReload = await fresh.get(b.digest, owner)
    const helpersForCorrupt = helpers
    const eventsForBig = [...events]
    // Intact blobs, read by yet another fresh cache: a large one checked off-thread too, a small one
    // (under 1 MiB) on this thread; both served.
    const c = await T.blob(8, 1.5 * 2 ** 20)
    const d = await T.blob(9, 1000)
    await cache.putManifest(T.manifest('intact', 1, [c, d]))
    for (const x of [c, d]) await cache.put(x.digest, x.bytes, { name: 'intact', version: 1 })
    const again = T.createCache(T.createIndexedDBDriver({ name: db }))
    const intact = await again.get(c.digest, { name: 'intact', version: 1 })
    const helpersForIntact = helpers - helpersForCorrupt
    const small = await again.get(d.digest, { name: 'intact', version: 1 })
    window.Worker = RealWorker
    await cache.delete('intact')
    const listed = await fresh.list()
    return {
      helpersForCorrupt,
      helpersForIntact,
      helpersForSmall: helpers - helpersForCorrupt - helpersForIntact,
      intactOk: intact?.byteLength === c.bytes.byteLength && small?.byteLength === 1000,
      stored,
      chunkKeys: keys.length,
      chunkIsBlob: stored1 instanceof Blob,
      sameSessionOk: sameSession?.byteLength === size,
      afterReload,
      listed: listed.length,
      events: eventsForBig,
    }
  })
  expect(r.stored).toBe(true)
  expect(r.chunkKeys).toBe(3)
  expect(r.chunkIsBlob).toBe(true)
  // Bytes this cache stored itself were verified before storing; a new session checks on first read.
  expect(r.sameSessionOk).toBe(true)
  expect(r.afterReload).toBeNull()
  expect(r.listed).toBe(0)
  expect(r.events).toEqual(['store', 'hit', 'corrupt'])
  expect(r.helpersForCorrupt).toBe(1)
  expect(r.helpersForIntact).toBe(1)
  expect(r.helpersForSmall).toBe(0)
  expect(r.intactOk).toBe(true)
})

test('two real tabs: one evicting never takes what the other has retained', async ({
  page,
  context,
  site,
}) => {
  const other = await context.newPage()
  await cachePage(page, site.origin)
  await cachePage(other, site.origin)
  const db = 'ferry-e2e-tabs'
  // Tab B retains a@1 (a shared Web Lock held until released) and keeps reading it.
  await other.evaluate(async (name) => {
    const T = window.FerryCacheTest
    const c = T.createCache(T.createIndexedDBDriver({ name }), { maxBytes: 2500 })
    const a = await T.blob(1, 1000)
    await c.putManifest(T.manifest('a', 1, [a]))
    await c.put(a.digest, a.bytes, { name: 'a', version: 1 })
    ;(window as unknown as { release: () => void }).release = c.retain({ name: 'a', version: 1 })
    ;(window as unknown as { reads: Promise<number> }).reads = (async () => {
      let ok = 0
      for (let i = 0; i < 40; i++) if (await c.get(a.digest, { name: 'a', version: 1 })) ok++
      return ok
    })()
  }, db)
  // Tab A fills the cache past its budget twice over.
  const left = await page.evaluate(async (name) => {
    const T = window.FerryCacheTest
    const c = T.createCache(T.createIndexedDBDriver({ name }), { maxBytes: 2500 })
    for (let i = 2; i < 6; i++) {
      const b = await T.blob(i, 1000)
      await c.putManifest(T.manifest(`m${i}`, 1, [b]))
      await c.put(b.digest, b.bytes, { name: `m${i}`, version: 1 })
    }
    return (await c.list()).map((e: { name: string }) => e.name)
  }, db)
  expect(left).toContain('a')
  expect(left).toHaveLength(2)
  expect(await other.evaluate(() => (window as unknown as { reads: Promise<number> }).reads)).toBe(40)
  // Once tab B releases it (or closes), a@1 is evictable like any other version.
  await other.evaluate(() => (window as unknown as { release: () => void }).release())
  const after = await page.evaluate(async (name) => {
    const T = window.FerryCacheTest
    // The release reaches the lock manager asynchronously.
    while ((await navigator.locks.query()).held?.some((l) => l.name?.includes(':retain:')))
      await new Promise((r) => setTimeout(r, 10))
    const c = T.createCache(T.createIndexedDBDriver({ name }), { maxBytes: 2500 })
    const b = await T.blob(9, 2000)
    await c.put(b.digest, b.bytes, { name: 'm9', version: 1 })
    return (await c.list()).map((e: { name: string }) => e.name)
  }, db)
  expect(after).toEqual(['m9'])
  await other.close()
})
