/**
 * The cache's records, all small JSON: `b:<digest>` a stored blob {size, lastUsed, uses, refs: the
 * versions using it}; `v:<name>@<version>` a cached version {digests, lastUsed, uses, pinned,
 * superseded}; `m:<name>@<version>` its manifest; `a:<name>:<alias>` what the alias last resolved to.
 */
import type { CacheDriver } from './driver.js'
import type { CacheEntry, VersionRef } from './types.js'

/** A stored blob. Its record is written only after its bytes, so a record means complete bytes. */
export interface BlobRecord {
  size: number
  lastUsed: number
  uses: number
  refs: string[]
}

export interface VersionRecord extends VersionRef {
  digests: string[]
  lastUsed: number
  uses: number
  pinned: boolean
  superseded: boolean
}

/** The blob and version records, read together under the write lock. */
export interface Snapshot {
  blobs: Map<string, BlobRecord>
  versions: Map<string, VersionRecord>
}

/** Record writes (value) and deletes (undefined), applied together. */
export type Changes = Array<[string, unknown]>

/** Record key prefixes: blob, version, manifest, alias. */
export const B = 'b:'
export const V = 'v:'
export const M = 'm:'
export const A = 'a:'

export const vkey = (r: VersionRef) => `${r.name}@${r.version}`
export const parseKey = (k: string | undefined): VersionRef => {
  const at = k?.lastIndexOf('@') ?? -1
  return at > 0
    ? { name: k!.slice(0, at), version: Number(k!.slice(at + 1)) }
    : { name: 'unknown', version: 0 }
}
export const newVersion = (r: VersionRef, now: number): VersionRecord => ({
  name: r.name,
  version: r.version,
  digests: [],
  lastUsed: now,
  uses: 0,
  pinned: false,
  superseded: false,
})
export const strip = (m: Map<string, unknown>, prefix: string) =>
  [...m.keys()].map((k) => k.slice(prefix.length))

/** Every blob and version record, keyed without their prefixes. */
export async function readSnapshot(driver: CacheDriver): Promise<Snapshot> {
  const [b, v] = await Promise.all([driver.records<BlobRecord>(B), driver.records<VersionRecord>(V)])
  return {
    blobs: new Map(b.map(([k, r]) => [k.slice(B.length), r])),
    versions: new Map(v.map(([k, r]) => [k.slice(V.length), r])),
  }
}

/** Deletes bytes left by a write that died before its record (a crashed tab, a killed process). */
export async function sweepOrphans(driver: CacheDriver): Promise<void> {
  const known = new Set(strip(new Map(await driver.records(B)), B))
  const orphans = (await driver.blobDigests()).filter((d) => !known.has(d))
  if (orphans.length) await driver.deleteBlobs(orphans, [])
}

/** What `cache.list()` shows: each version with bytes present, by name then version. */
export function cacheEntries(s: Snapshot, manifests: Set<string>): CacheEntry[] {
  const out: CacheEntry[] = []
  for (const [k, v] of s.versions) {
    const present = v.digests.filter((d) => s.blobs.has(d))
    if (!present.length) continue
    out.push({
      name: v.name,
      version: v.version,
      digests: [...v.digests],
      bytes: present.reduce((n, d) => n + (s.blobs.get(d)?.size ?? 0), 0),
      lastUsed: v.lastUsed,
      uses: v.uses,
      pinned: v.pinned,
      inMemory: false,
      complete: manifests.has(k) && present.length === v.digests.length,
    })
  }
  return out.sort((a, b) => a.name.localeCompare(b.name) || a.version - b.version)
}
