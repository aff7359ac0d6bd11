/**
 * The platform-free cache core: budget, eviction by policy, pins and retains, the versions index, alias
 * records, digest checks on read and events, over any `CacheDriver`.
 *
 * The records it keeps are described in records.ts.
 *
 * Several tabs and workers share one store. Every write and eviction runs under one exclusive Web Lock
 * and re-reads the records it changes inside it, so two contexts never evict from stale state. A
 * version in use is retained per context with a shared Web Lock named after it; an evicting context
 * asks `navigator.locks.query()` for those and never evicts them, so one tab evicting cannot pull bytes
 * out from under another tab's load. Reads take no lock: a driver reads a blob in one transaction (or
 * one file/response), so a concurrent eviction yields either the whole blob or a miss, never a torn
 * read; a miss is refetched. Locks die with their tab, so a crashed tab never pins anything forever.
 */
import type { CacheEvent, Manifest } from '@ferry/protocol'
import { defaultBudget, requestPersistence, storageEstimate } from './budget.js'
import { type CacheDriver, isQuotaError } from './driver.js'
import { type Locks, localLocks, platformLocks } from './locks.js'
import { type EvictionPlan, POLICIES, type PolicyName, planEviction, usedBytes } from './policy.js'
import { readChecked } from './read.js'
import {
  A,
  B,
  type BlobRecord,
  type Changes,
  cacheEntries,
  M,
  newVersion,
  parseKey,
  readSnapshot,
  type Snapshot,
  strip,
  sweepOrphans,
  V,
  type VersionRecord,
  vkey,
} from './records.js'
import type { AliasRecord, CacheEstimate, ModelCache, VersionRef } from './types.js'

export interface CacheOptions {
  /** Bytes the cache may hold; default min(50% of the origin's quota, 4 GiB), 512 MiB in memory. */
  maxBytes?: number
  /** Which unpinned, unused version goes first when room is needed (default 'lru'). */
  policy?: PolicyName
  /** Ask `navigator.storage.persist()` so the browser does not clear the cache under pressure. */
  persist?: boolean
  /** Receives hit, miss, store, evict, corrupt and quota events. */
  onEvent?: (event: CacheEvent) => void
  /**
   * When to check stored bytes against their digest: on the first read of each blob by this cache
   * object (default for persistent drivers), on every read, or never (default in memory).
   */
  verify?: 'first-read' | 'always' | 'never'
  /** Lock manager (tests); default Web Locks for persistent drivers where present, else in-process. */
  locks?: Locks
}

/** Builds a `ModelCache` over `driver`. Nothing touches storage before the first call. */
export function createCache(driver: CacheDriver, options: CacheOptions = {}): ModelCache {
  const policy = POLICIES[options.policy ?? 'lru']
  const verify = options.verify ?? (driver.persistent ? 'first-read' : 'never')
  // Memory lives in one context: only persistent stores need the origin-wide Web Locks.
  const locks = options.locks ?? (driver.persistent ? platformLocks() : localLocks())
  const writeLock = `ferry-cache:${driver.id}:write`
  const retainPrefix = `ferry-cache:${driver.id}:retain:`
  const retained = new Map<string, number>()
  const verified = new Set<string>()
  let budget = options.maxBytes ?? 0
  let init: Promise<void> | undefined
  let pending: Promise<unknown> = Promise.resolve()

  const emit = (action: CacheEvent['action'], ref: VersionRef, bytes?: number) => {
    try {
      options.onEvent?.({
        type: 'cache',
        action,
        model: ref.name,
        version: ref.version,
        ...(bytes === undefined ? {} : { bytes }),
        ts: Date.now(),
      })
    } catch {}
  }

  const ready = () => {
    init ??= (async () => {
      if (options.persist) await requestPersistence()
      if (options.maxBytes === undefined) await refreshBudget()
      await locks.exclusive(writeLock, sweep).catch(() => {})
    })()
    return init
  }

  const refreshBudget = async () => {
    const e = await storageEstimate()
    if (options.maxBytes === undefined)
      budget = driver.persistent ? defaultBudget(e.quota) : 512 * 1024 * 1024
    return e
  }

  const sweep = () => sweepOrphans(driver)
  const snapshot = () => readSnapshot(driver)

  /** Versions that must stay: pinned, retained here or in any other context, and `extra`. */
  const kept = async (s: Snapshot, extra?: string) => {
    const keep = new Set([...(await locks.held(retainPrefix))].map((n) => n.slice(retainPrefix.length)))
    for (const [k, n] of retained) if (n > 0) keep.add(k)
    for (const [k, v] of s.versions) if (v.pinned) keep.add(k)
    if (extra) keep.add(extra)
    return keep
  }

  /** Carries out a plan: drops the blobs, their records and the evicted versions, then reports it. */
  const evict = async (s: Snapshot, p: EvictionPlan) => {
    if (!p.freed.length) return
    const gone = new Set(p.evicted)
    const changes: Changes = []
    for (const [d] of p.freed) changes.push([B + d, undefined])
    for (const k of gone) changes.push([V + k, undefined], [M + k, undefined])
    const freedSet = new Set(p.freed.map(([d]) => d))
    for (const [d, b] of s.blobs)
      if (!freedSet.has(d) && b.refs.some((r) => gone.has(r)))
        changes.push([B + d, { ...b, refs: b.refs.filter((r) => !gone.has(r)) }])
    await driver.deleteBlobs([...freedSet], changes)
    for (const [d] of p.freed) verified.delete(d)
    for (const k of gone) {
      const bytes = p.freed.reduce((n, [, b]) => n + (b.refs[0] === k ? b.size : 0), 0)
      emit('evict', parseKey(k), bytes)
    }
  }

  /** Stores a blob under the write lock; 'quota' when it cannot be kept, 'failed' on other errors. */
  const store = async (digest: string, bytes: Uint8Array, owner: VersionRef) => {
    const key = vkey(owner)
    const now = Date.now()
    const existing = await driver.getRecord<BlobRecord>(B + digest)
    const v = (await driver.getRecord<VersionRecord>(V + key)) ?? newVersion(owner, now)
    if (!v.digests.includes(digest)) v.digests.push(digest)
    v.lastUsed = now
    // A load from the network is a use too (one per load: counted on the model file).
    const modelFile = (await driver.getRecord<Manifest>(M + key))?.files.find(
      (f) => f.role === 'model',
    )?.digest
    if (!modelFile || modelFile === digest) v.uses += 1
    if (existing) {
      if (!existing.refs.includes(key)) existing.refs.push(key)
      await driver.setRecords([
        [B + digest, existing],
        [V + key, v],
      ])
      return 'kept'
    }
    const record: BlobRecord = { size: bytes.byteLength, lastUsed: now, uses: 1, refs: [key] }
    for (let attempt = 0; attempt < 2; attempt++) {
      const s = await snapshot()
      // After a quota error the platform has less room than the budget says: free `size` more bytes.
      const limit = attempt === 0 ? budget : Math.min(budget, usedBytes(s))
      const p = planEviction(s, record.size, limit, await kept(s, key), policy)
      if (!p) return 'quota'
      await evict(s, p)
      try {
        await driver.writeBlob(digest, bytes, [
          [B + digest, record],
          [V + key, v],
        ])
        return 'stored'
      } catch (e) {
        if (!isQuotaError(e)) return 'failed'
      }
    }
    return 'quota'
  }

  /** Drops a blob found missing or altered; false when another context evicted it meanwhile. */
  const drop = (digest: string) =>
    locks.exclusive(writeLock, async () => {
      if (!(await driver.getRecord(B + digest))) return false
      await driver.deleteBlobs([digest], [[B + digest, undefined]])
      verified.delete(digest)
      return true
    })

  /** Records a use of a blob (and of its versions) after a hit; queued so reads never wait on it. */
  const touch = (digest: string, owner: VersionRef | undefined) => {
    const now = Date.now()
    pending = pending
      .then(() =>
        locks.exclusive(writeLock, async () => {
          const b = await driver.getRecord<BlobRecord>(B + digest)
          if (!b) return
          b.lastUsed = now
          b.uses += 1
          const keys = owner ? [vkey(owner)] : b.refs
          const changes: Changes = []
          for (const k of keys) {
            if (!b.refs.includes(k)) b.refs.push(k)
            const v = (await driver.getRecord<VersionRecord>(V + k)) ?? newVersion(parseKey(k), now)
            if (!v.digests.includes(digest)) v.digests.push(digest)
            // A version counts one use per load: on its model file (or on every file when unknown).
            const m = await driver.getRecord<Manifest>(M + k)
            const modelFile = m?.files.find((f) => f.role === 'model')?.digest
            if (!modelFile || modelFile === digest) v.uses += 1
            v.lastUsed = now
            changes.push([V + k, v])
          }
          changes.push([B + digest, b])
          await driver.setRecords(changes)
        }),
      )
      .catch(() => {})
  }

  /**
   * Reads a blob; `verified` settles once its digest is checked (at once when no check is due). A
   * mismatch or a short read drops the entry, reports 'corrupt', and resolves `verified` false.
   */
  const open = async (digest: string, owner: VersionRef | undefined) => {
    await ready()
    const record = await driver.getRecord<BlobRecord>(B + digest)
    const who = owner ?? parseKey(record?.refs[0])
    if (!record) {
      emit('miss', who)
      return null
    }
    const check = verify === 'always' || (verify === 'first-read' && !verified.has(digest))
    const read = await readChecked(driver, digest, record.size, check)
    const bad = async () => {
      emit((await drop(digest)) ? 'corrupt' : 'miss', who, record.size)
      return false
    }
    if (!read) {
      await bad()
      return null
    }
    const good = () => {
      verified.add(digest)
      touch(digest, owner)
      emit('hit', who, record.size)
      return true
    }
    return {
      bytes: read.bytes,
      // Never rejects: a check that cannot finish (a broken store) counts as a mismatch.
      verified: Promise.resolve(read.ok)
        .then((ok) => (ok ? good() : bad()))
        .catch(() => false),
    }
  }

  const settled = async () => {
    await ready()
    await pending
  }

  return {
    // The engine's calls never fail for the cache's sake: a broken store (private mode, a closed
    // database) reads as misses and refuses writes, and the model loads uncached.
    async get(digest, owner) {
      const r = await open(digest, owner).catch(() => null)
      return r && (await r.verified) ? r.bytes : null
    },

    read: (digest, owner) => open(digest, owner).catch(() => null),

    async put(digest, bytes, owner) {
      const result = await ready()
        .then(() => locks.exclusive(writeLock, () => store(digest, bytes, owner)))
        .catch(() => 'failed')
      if (result === 'stored') {
        verified.add(digest)
        emit('store', owner, bytes.byteLength)
      }
      if (result === 'quota') emit('quota', owner, bytes.byteLength)
      return result === 'stored' || result === 'kept'
    },

    async putManifest(manifest, alias) {
      await ready()
      await locks
        .exclusive(writeLock, async () => {
          const key = vkey(manifest)
          const now = Date.now()
          const v = (await driver.getRecord<VersionRecord>(V + key)) ?? newVersion(manifest, now)
          const changes: Changes = [[M + key, manifest]]
          for (const { digest } of manifest.files) {
            if (!v.digests.includes(digest)) v.digests.push(digest)
            // A blob another version stored is this version's too: it must survive the other's eviction.
            const b = await driver.getRecord<BlobRecord>(B + digest)
            if (b && !b.refs.includes(key)) changes.push([B + digest, { ...b, refs: [...b.refs, key] }])
          }
          if (alias) {
            const ak = `${A}${manifest.name}:${alias.alias}`
            const before = await driver.getRecord<AliasRecord>(ak)
            const record: AliasRecord = { version: manifest.version, resolvedAt: now }
            if (alias.etag !== undefined) record.etag = alias.etag
            changes.push([ak, record])
            v.superseded = false
            if (before && before.version !== manifest.version) {
              const others = await driver.records<AliasRecord>(`${A}${manifest.name}:`)
              const oldKey = vkey({ name: manifest.name, version: before.version })
              const old = await driver.getRecord<VersionRecord>(V + oldKey)
              if (old && !others.some(([k, r]) => k !== ak && r.version === before.version))
                changes.push([V + oldKey, { ...old, superseded: true }])
            }
          }
          changes.push([V + key, v])
          await driver.setRecords(changes)
        })
        .catch(() => {})
    },

    async getManifest(name, version) {
      await ready()
      return (await driver.getRecord<Manifest>(M + vkey({ name, version })).catch(() => undefined)) ?? null
    },

    async getAlias(name, alias) {
      await ready()
      return (await driver.getRecord<AliasRecord>(`${A}${name}:${alias}`).catch(() => undefined)) ?? null
    },

    retain(ref) {
      const k = vkey(ref)
      retained.set(k, (retained.get(k) ?? 0) + 1)
      const release = locks.hold(retainPrefix + k)
      let done = false
      return () => {
        if (done) return
        done = true
        release()
        const n = (retained.get(k) ?? 1) - 1
        if (n > 0) retained.set(k, n)
        else retained.delete(k)
      }
    },

    async list() {
      await settled()
      // A store that cannot be read (no IndexedDB, private mode) holds nothing.
      const read = await Promise.all([snapshot(), driver.records(M)]).catch(() => null)
      if (!read) return []
      const [s, records] = read
      return cacheEntries(s, new Set(strip(new Map(records), M)))
    },

    async delete(name, version) {
      await settled()
      await locks.exclusive(writeLock, async () => {
        const s = await snapshot()
        const hit = (r: VersionRef) => r.name === name && (version === undefined || r.version === version)
        const gone = new Set([...s.versions.values()].filter(hit).map(vkey))
        for (const [k] of await driver.records(`${M}${name}@`))
          if (hit(parseKey(k.slice(M.length)))) gone.add(k.slice(M.length))
        const changes: Changes = []
        const freed: string[] = []
        for (const k of gone) changes.push([V + k, undefined], [M + k, undefined])
        for (const [d, b] of s.blobs) {
          const refs = b.refs.filter((r) => !gone.has(r) && s.versions.has(r))
          if (refs.length === 0) freed.push(d)
          if (refs.length !== b.refs.length) changes.push([B + d, refs.length ? { ...b, refs } : undefined])
        }
        for (const [k, a] of await driver.records<AliasRecord>(`${A}${name}:`))
          if (gone.has(vkey({ name, version: a.version })) || version === undefined)
            changes.push([k, undefined])
        await driver.deleteBlobs(freed, changes)
        for (const d of freed) verified.delete(d)
      })
    },

    async pin(name, version, pinned = true) {
      await settled()
      await locks.exclusive(writeLock, async () => {
        const k = vkey({ name, version })
        const v = (await driver.getRecord<VersionRecord>(V + k)) ?? newVersion({ name, version }, Date.now())
        const m = await driver.getRecord<Manifest>(M + k)
        for (const f of m?.files ?? []) if (!v.digests.includes(f.digest)) v.digests.push(f.digest)
        await driver.setRecords([[V + k, { ...v, pinned }]])
      })
    },

    async clear() {
      await settled()
      await locks.exclusive(writeLock, () => driver.clear())
      verified.clear()
    },

    async estimate(): Promise<CacheEstimate> {
      await settled()
      const e = await refreshBudget()
      return { used: usedBytes(await snapshot()), budget, ...e }
    },
  }
}
