/**
 * The cache's behaviour as plain async cases (see kit.ts): run under Vitest against every driver
 * (`suite.ts`) and inside real Chromium against IndexedDB (e2e/specs/cache-driver.spec.ts).
 */
import type { CacheEvent } from '@ferry/protocol'
import { createCache } from '../../src/cache/core.js'
import { matchesDigest } from '../../src/cache/digest.js'
import type { ModelCache } from '../../src/cache/types.js'
import {
  actions,
  blob,
  broken,
  type CacheCase,
  cacheVersion,
  type DriverFactory,
  eq,
  load,
  manifest,
  names,
  ok,
  withQuota,
} from './kit.js'

export const cacheCases: Record<string, CacheCase> = {
  async 'stores and returns bytes by digest; misses are null'({ cache }) {
    const { cache: c, events } = cache()
    const a = await blob(1, 3000)
    eq(await c.get(a.digest), null, 'unknown digest')
    eq(await cacheVersion(c, 'm', 1, [a]), [true], 'put')
    const got = await c.get(a.digest, { name: 'm', version: 1 })
    ok(got && (await matchesDigest(got, a.digest)), 'same bytes back')
    eq(actions(events), ['miss:unknown@0', 'store:m@1', 'hit:m@1'], 'events')
    const [e] = await c.list()
    eq(
      [e?.name, e?.version, e?.bytes, e?.uses, e?.pinned, e?.complete],
      // one use for the load that stored it, one for the load that read it back
      ['m', 1, 3000, 2, false, true],
      'entry',
    )
  },

  async 'manifests and aliases are durable across handles'({ cache }) {
    const a = await blob(2, 100)
    const first = cache().cache
    await cacheVersion(first, 'm', 3, [a], 'stable')
    const second = cache().cache
    eq((await second.getManifest('m', 3))?.files[0]?.digest, a.digest, 'manifest')
    eq((await second.getAlias('m', 'stable'))?.version, 3, 'alias')
    eq(await second.getAlias('m', 'latest'), null, 'unknown alias')
    ok(await second.get(a.digest, { name: 'm', version: 3 }), 'bytes')
  },

  async 'a blob shared by two versions is stored once and survives deleting one'({ cache }) {
    const { cache: c } = cache()
    const w = await blob(3, 1000)
    const a = await blob(4, 10)
    const b = await blob(5, 20)
    await cacheVersion(c, 'm', 1, [w, a])
    await cacheVersion(c, 'm', 2, [w, b])
    eq((await c.estimate()).used, 1030, 'shared weights counted once')
    await c.delete('m', 1)
    eq(await names(c), ['m@2'], 'one version left')
    ok(await c.get(w.digest, { name: 'm', version: 2 }), 'shared blob kept')
    eq(await c.get(a.digest), null, 'own blob dropped')
    eq((await c.estimate()).used, 1020, 'used')
  },

  async 'over budget, the least recently used version goes'({ cache }) {
    const { cache: c, events } = cache({ maxBytes: 2500 })
    const [a, b, d] = await Promise.all([blob(6, 1000), blob(7, 1000), blob(8, 1000)])
    await cacheVersion(c, 'a', 1, [a])
    await cacheVersion(c, 'b', 1, [b])
    await load(c, { name: 'a', version: 1 }, [a])
    eq(await cacheVersion(c, 'c', 1, [d]), [true], 'third stored')
    eq(await names(c), ['a@1', 'c@1'], 'b evicted')
    ok(actions(events).includes('evict:b@1'), 'evict event')
    eq(await c.getManifest('b', 1), null, 'evicted manifest gone')
    ok((await c.estimate()).used <= 2500, 'within budget')
  },

  async 'a pinned version is never evicted'({ cache }) {
    const { cache: c } = cache({ maxBytes: 2500 })
    const [a, b, d] = await Promise.all([blob(9, 1000), blob(10, 1000), blob(11, 1000)])
    await cacheVersion(c, 'a', 1, [a])
    await cacheVersion(c, 'b', 1, [b])
    await c.pin('a', 1)
    await cacheVersion(c, 'c', 1, [d])
    eq(await names(c), ['a@1', 'c@1'], 'b went instead of the older, pinned a')
    eq((await c.list()).find((e) => e.name === 'a')?.pinned, true, 'pinned shown')
    await c.pin('a', 1, false)
    await cacheVersion(c, 'b', 1, [b])
    eq(await names(c), ['b@1', 'c@1'], 'unpinned a is evictable again')
  },

  async 'a blob shared with a surviving version survives eviction'({ cache }) {
    const { cache: c } = cache({ maxBytes: 2000 })
    const [w, a, b, d] = await Promise.all([blob(12, 1000), blob(13, 100), blob(14, 100), blob(15, 900)])
    await cacheVersion(c, 'm', 1, [w, a])
    await cacheVersion(c, 'm', 2, [w, b])
    await load(c, { name: 'm', version: 2 }, [w, b])
    await cacheVersion(c, 'x', 1, [d])
    eq(await names(c), ['m@2', 'x@1'], 'm@1 evicted')
    ok(await c.get(w.digest, { name: 'm', version: 2 }), 'shared weights still there')
    eq((await c.list()).find((e) => e.version === 2)?.complete, true, 'm@2 complete')
  },

  async 'a version that found a blob cached by another version keeps it'({ cache }) {
    const { cache: c } = cache()
    const w = await blob(16, 1000)
    await cacheVersion(c, 'm', 1, [w])
    await c.putManifest(manifest('m', 2, [w]))
    await load(c, { name: 'm', version: 3 }, [w])
    await c.delete('m', 1)
    ok(await c.get(w.digest), 'kept for m@2 (manifest) and m@3 (read)')
    eq((await c.list()).find((e) => e.version === 2)?.complete, true, 'm@2 complete')
    await c.delete('m', 2)
    ok(await c.get(w.digest), 'kept for m@3')
    await c.delete('m', 3)
    eq(await c.get(w.digest), null, 'gone with its last version')
  },

  async 'lfu evicts the least used, size evicts the biggest stale one'({ cache }) {
    const [a, b, d] = await Promise.all([blob(18, 1000), blob(19, 1000), blob(20, 1000)])
    const lfu = cache({ maxBytes: 2500, policy: 'lfu' }).cache
    await cacheVersion(lfu, 'a', 1, [a])
    await cacheVersion(lfu, 'b', 1, [b])
    for (let i = 0; i < 3; i++) await load(lfu, { name: 'a', version: 1 }, [a])
    await load(lfu, { name: 'b', version: 1 }, [b])
    await cacheVersion(lfu, 'c', 1, [d])
    eq(await names(lfu), ['a@1', 'c@1'], 'lfu keeps the often used a')
    await lfu.clear()
    const [s1, s2, big] = await Promise.all([blob(21, 500), blob(22, 500), blob(23, 1400)])
    const size = cache({ maxBytes: 2500, policy: 'size' }).cache
    await cacheVersion(size, 's', 1, [s1])
    await cacheVersion(size, 't', 1, [s2])
    await cacheVersion(size, 'big', 1, [big])
    await cacheVersion(size, 'u', 1, [await blob(24, 600)])
    eq(await names(size), ['s@1', 't@1', 'u@1'], 'size-aware drops the big, recent one (lru would drop s)')
  },

  async 'retained versions stay, in this cache and in another tab'({ cache }) {
    const tabA = cache({ maxBytes: 2500 }).cache
    const tabB = cache({ maxBytes: 2500 }).cache
    const [a, b, d, e] = await Promise.all([blob(25, 1000), blob(26, 1000), blob(27, 1000), blob(28, 1000)])
    await cacheVersion(tabA, 'a', 1, [a])
    await cacheVersion(tabA, 'b', 1, [b])
    const releaseB = tabB.retain({ name: 'a', version: 1 })
    await cacheVersion(tabA, 'c', 1, [d])
    eq(await names(tabA), ['a@1', 'c@1'], 'a retained by the other tab')
    const releaseA = tabA.retain({ name: 'c', version: 1 })
    eq(await cacheVersion(tabA, 'e', 1, [e]), [false], 'nothing evictable: not stored')
    releaseB()
    releaseA()
    eq(await cacheVersion(tabA, 'e', 1, [e]), [true], 'released: stored')
    eq(await names(tabA), ['c@1', 'e@1'], 'a went once released')
  },

  async 'a superseded version goes first'({ cache }) {
    const { cache: c } = cache({ maxBytes: 2500 })
    const [old, other, neu] = await Promise.all([blob(29, 1000), blob(30, 1000), blob(31, 1000)])
    await cacheVersion(c, 'other', 1, [other])
    await cacheVersion(c, 'm', 1, [old], 'latest')
    await load(c, { name: 'm', version: 1 }, [old])
    await cacheVersion(c, 'm', 2, [neu], 'latest')
    eq(await names(c), ['m@2', 'other@1'], 'm@1 evicted though other@1 is older')
    eq((await c.getAlias('m', 'latest'))?.version, 2, 'alias moved')
  },

  async 'a blob bigger than the budget is refused with a quota event'({ cache }) {
    const { cache: c, events } = cache({ maxBytes: 1000 })
    const a = await blob(32, 1001)
    eq(await cacheVersion(c, 'm', 1, [a]), [false], 'not stored')
    eq(await c.get(a.digest), null, 'absent')
    ok(actions(events).includes('quota:m@1'), 'quota event')
  },

  async 'a platform quota error evicts and retries once, then gives up'({ open, cache }) {
    const driver = withQuota(open(), 2000)
    const { cache: c, events } = cache({ maxBytes: 10_000 }, driver)
    const [a, b, d] = await Promise.all([blob(33, 900), blob(34, 900), blob(35, 900)])
    await cacheVersion(c, 'a', 1, [a])
    await cacheVersion(c, 'b', 1, [b])
    eq(await cacheVersion(c, 'c', 1, [d]), [true], 'stored after evicting')
    eq(await names(c), ['b@1', 'c@1'], 'lru one evicted to make room')
    const release = [c.retain({ name: 'b', version: 1 }), c.retain({ name: 'c', version: 1 })]
    eq(await cacheVersion(c, 'a', 1, [a]), [false], 'nothing evictable: false, no throw')
    ok(actions(events).includes('quota:a@1'), 'quota event')
    for (const r of release) r()
  },

  async 'altered bytes are detected on read, dropped and reported'({ open, cache }) {
    const a = await blob(36, 5000)
    const first = cache({ verify: 'first-read' }).cache
    await cacheVersion(first, 'm', 1, [a])
    const altered = a.bytes.slice()
    altered[4000] = (altered[4000] ?? 0) ^ 1
    await open().writeBlob(a.digest, altered, [])
    const { cache: fresh, events } = cache({ verify: 'first-read' })
    eq(await fresh.get(a.digest, { name: 'm', version: 1 }), null, 'corrupt read is a miss')
    eq(actions(events), ['corrupt:m@1'], 'corrupt event')
    eq((await fresh.list()).length, 0, 'entry dropped')
    eq(await cacheVersion(fresh, 'm', 1, [a]), [true], 'refetched bytes stored again')
    ok(await cache({ verify: 'always' }).cache.get(a.digest), 'and read back verified')
  },

  async 'read() hands bytes out before the check and reports its outcome'({ open, cache }) {
    const [a, b] = await Promise.all([blob(53, 5000), blob(54, 3000)])
    await cacheVersion(cache().cache, 'm', 1, [a, b])
    const altered = a.bytes.slice()
    altered[10] = (altered[10] ?? 0) ^ 1
    await open().writeBlob(a.digest, altered, [])
    const { cache: c, events } = cache({ verify: 'first-read' })
    const bad = await c.read?.(a.digest, { name: 'm', version: 1 })
    const good = await c.read?.(b.digest, { name: 'm', version: 1 })
    ok(bad && good, 'both read')
    eq([await bad?.verified, await good?.verified], [false, true], 'outcomes')
    eq(actions(events).sort(), ['corrupt:m@1', 'hit:m@1'], 'events')
    eq((await c.list())[0]?.complete, false, 'm@1 incomplete until refetched')
  },

  async 'truncated bytes read as corrupt'({ open, cache }) {
    const a = await blob(37, 5000)
    await cacheVersion(cache().cache, 'm', 1, [a])
    await open().writeBlob(a.digest, a.bytes.slice(0, 4000), [])
    const { cache: c, events } = cache({ verify: 'never' })
    eq(await c.get(a.digest), null, 'short blob is a miss')
    eq(actions(events), ['corrupt:m@1'], 'corrupt event')
  },

  async 'a broken store reads as misses and refuses writes, never throwing to the engine'({ open, cache }) {
    const { cache: c } = cache({}, broken(open()))
    const a = await blob(55, 100)
    await c.putManifest(manifest('m', 1, [a]), { alias: 'latest' })
    eq(await c.put(a.digest, a.bytes, { name: 'm', version: 1 }), false, 'put')
    eq(await c.get(a.digest, { name: 'm', version: 1 }), null, 'get')
    eq(await c.read?.(a.digest), null, 'read')
    eq(await c.getManifest('m', 1), null, 'manifest')
    eq(await c.getAlias('m', 'latest'), null, 'alias')
  },

  async 'delete and clear remove versions, aliases and bytes'({ cache }) {
    const { cache: c } = cache()
    const [a, b] = await Promise.all([blob(38, 100), blob(39, 100)])
    await cacheVersion(c, 'm', 1, [a], 'latest')
    await cacheVersion(c, 'n', 1, [b])
    await c.delete('m')
    eq(await names(c), ['n@1'], 'm gone')
    eq(await c.getAlias('m', 'latest'), null, 'alias gone')
    eq(await c.getManifest('m', 1), null, 'manifest gone')
    await c.clear()
    eq(await names(c), [], 'cleared')
    eq((await c.estimate()).used, 0, 'nothing used')
    eq(await c.get(b.digest), null, 'bytes gone')
  },

  async 'bytes written without a record are swept on open'({ open, cache }) {
    const a = await blob(40, 100)
    await open().writeBlob(a.digest, a.bytes, [])
    const c = cache().cache
    eq((await c.estimate()).used, 0, 'not counted')
    eq(await open().blobDigests(), [], 'swept')
  },

  async 'two tabs storing at once stay within budget and consistent'({ cache }) {
    const tabs = [cache({ maxBytes: 3000 }).cache, cache({ maxBytes: 3000 }).cache]
    const blobs = await Promise.all([1, 2, 3, 4, 5, 6].map((i) => blob(40 + i, 1000)))
    await Promise.all(
      blobs.map((b, i) => (tabs[i % 2] as ModelCache).put(b.digest, b.bytes, { name: `m${i}`, version: 1 })),
    )
    const c = tabs[0] as ModelCache
    const e = await c.estimate()
    ok(e.used <= 3000, `within budget (${e.used})`)
    const listed = await c.list()
    eq(listed.length, 3, 'three fit')
    for (const x of listed) ok(await c.get(x.digests[0] as string), `${x.name} readable`)
  },

  async 'one tab evicting never breaks another tab loading'({ cache }) {
    const tabA = cache({ maxBytes: 2500 }).cache
    const tabB = cache({ maxBytes: 2500 }).cache
    const [a, b, d] = await Promise.all([blob(50, 1000), blob(51, 1000), blob(52, 1000)])
    await cacheVersion(tabA, 'a', 1, [a])
    await cacheVersion(tabA, 'b', 1, [b])
    const release = tabB.retain({ name: 'a', version: 1 })
    const [read] = await Promise.all([
      tabB.get(a.digest, { name: 'a', version: 1 }),
      cacheVersion(tabA, 'c', 1, [d]),
    ])
    ok(read && (await matchesDigest(read, a.digest)), 'the load got its bytes')
    ok(await tabB.get(a.digest), 'and they are still cached')
    release()
  },
}

/** Runs one case on fresh storage from `factory`. */
export async function runCase(factory: DriverFactory, name: string): Promise<void> {
  const fn = cacheCases[name]
  if (!fn) throw new Error(`no case ${name}`)
  const storage = await factory()
  const made: ModelCache[] = []
  try {
    await fn({
      open: storage.open,
      cache: (options = {}, driver = storage.open()) => {
        const events: CacheEvent[] = []
        const cache = createCache(driver, { ...options, onEvent: (e) => events.push(e) })
        made.push(cache)
        return { cache, events }
      },
    })
  } finally {
    // Let queued use-count updates land before the storage goes away.
    for (const c of made) await c.list().catch(() => {})
    await storage.cleanup?.()
  }
}
