/** An in-memory ModelCache: no persistence, least-recently-used eviction under a byte budget. */
import type { Manifest } from '@ferry/protocol'
import type { AliasRecord, CacheEntry, CacheEstimate, ModelCache, VersionRef } from './types.js'

interface Blob {
  bytes: Uint8Array
  lastUsed: number
  uses: number
}

const key = (r: VersionRef) => `${r.name}@${r.version}`

export interface MemoryCacheOptions {
  maxBytes?: number
}

/** Creates a cache that keeps bytes in memory for the life of the runtime. */
export function createMemoryCache(options: MemoryCacheOptions = {}): ModelCache {
  const budget = options.maxBytes ?? 512 * 1024 * 1024
  const blobs = new Map<string, Blob>()
  const manifests = new Map<string, Manifest>()
  const aliases = new Map<string, AliasRecord>()
  const pinned = new Set<string>()
  const retained = new Map<string, number>()
  let used = 0

  const protectedDigests = () => {
    const keep = new Set<string>()
    for (const [k, m] of manifests) {
      if (pinned.has(k) || (retained.get(k) ?? 0) > 0) for (const f of m.files) keep.add(f.digest)
    }
    return keep
  }

  const evictFor = (need: number) => {
    if (used + need <= budget) return true
    const keep = protectedDigests()
    const order = [...blobs.entries()]
      .filter(([d]) => !keep.has(d))
      .sort((a, b) => a[1].lastUsed - b[1].lastUsed)
    for (const [d, b] of order) {
      if (used + need <= budget) break
      blobs.delete(d)
      used -= b.bytes.byteLength
    }
    return used + need <= budget
  }

  return {
    async get(digest) {
      const b = blobs.get(digest)
      if (!b) return null
      b.lastUsed = Date.now()
      b.uses += 1
      return b.bytes
    },
    async put(digest, bytes) {
      if (blobs.has(digest)) return true
      if (!evictFor(bytes.byteLength)) return false
      blobs.set(digest, { bytes, lastUsed: Date.now(), uses: 0 })
      used += bytes.byteLength
      return true
    },
    async putManifest(manifest, alias) {
      manifests.set(key(manifest), manifest)
      if (alias)
        aliases.set(`${manifest.name}:${alias.alias}`, {
          version: manifest.version,
          ...(alias.etag === undefined ? {} : { etag: alias.etag }),
          resolvedAt: Date.now(),
        })
    },
    async getManifest(name, version) {
      return manifests.get(key({ name, version })) ?? null
    },
    async getAlias(name, alias) {
      return aliases.get(`${name}:${alias}`) ?? null
    },
    retain(ref) {
      const k = key(ref)
      retained.set(k, (retained.get(k) ?? 0) + 1)
      let done = false
      return () => {
        if (done) return
        done = true
        retained.set(k, (retained.get(k) ?? 1) - 1)
      }
    },
    async list() {
      const out: CacheEntry[] = []
      for (const [k, m] of manifests) {
        const present = m.files.map((f) => blobs.get(f.digest))
        if (!present.some(Boolean)) continue
        out.push({
          name: m.name,
          version: m.version,
          digests: m.files.map((f) => f.digest),
          bytes: m.files.reduce((n, f) => n + (blobs.has(f.digest) ? f.size : 0), 0),
          lastUsed: Math.max(0, ...present.map((b) => b?.lastUsed ?? 0)),
          uses: Math.max(0, ...present.map((b) => b?.uses ?? 0)),
          pinned: pinned.has(k),
          inMemory: false,
          complete: present.every(Boolean),
        })
      }
      return out
    },
    async delete(name, version) {
      const victims = [...manifests.values()].filter(
        (m) => m.name === name && (version === undefined || m.version === version),
      )
      for (const m of victims) manifests.delete(key(m))
      const stillUsed = new Set([...manifests.values()].flatMap((m) => m.files.map((f) => f.digest)))
      for (const m of victims)
        for (const f of m.files) {
          const b = blobs.get(f.digest)
          if (b && !stillUsed.has(f.digest)) {
            blobs.delete(f.digest)
            used -= b.bytes.byteLength
          }
        }
    },
    async pin(name, version, value = true) {
      if (value) pinned.add(key({ name, version }))
      else pinned.delete(key({ name, version }))
    },
    async clear() {
      blobs.clear()
      manifests.clear()
      aliases.clear()
      used = 0
    },
    async estimate(): Promise<CacheEstimate> {
      return { used, budget }
    },
  }
}
