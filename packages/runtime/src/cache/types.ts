/**
 * The bytes tier as the engine sees it: verified model files by digest, the manifests they belong to,
 * and what each alias last resolved to on this device (for offline loads). Implementations decide
 * where bytes live (memory, IndexedDB, Cache API, file system) and what to evict under their budget.
 */
import type { Manifest } from '@ferry/protocol'

/** One version of one model. */
export interface VersionRef {
  name: string
  version: number
}

/** What `ferry.cache.list()` shows: one row per cached version. */
export interface CacheEntry extends VersionRef {
  digests: string[]
  bytes: number
  lastUsed: number
  uses: number
  pinned: boolean
  /** True while a live session of this version exists (filled in by the runtime, not the cache). */
  inMemory: boolean
  /** True when every file of the version is stored, so it can load offline. */
  complete: boolean
}

export interface CacheEstimate {
  /** Bytes held by this cache. */
  used: number
  /** Bytes this cache may hold. */
  budget: number
  /** What the platform reports (`navigator.storage.estimate()`), when known. */
  quota?: number
  usage?: number
}

export interface AliasRecord {
  version: number
  etag?: string
  resolvedAt: number
}

/** The interface every bytes-tier implementation provides; one shared test suite runs against each. */
export interface ModelCache {
  /** Stored bytes of a blob, or null when absent (or found corrupt and dropped). Counts as a use. */
  get(digest: string, owner?: VersionRef): Promise<Uint8Array | null>
  /**
   * Optional: like `get`, but resolves before the digest check, so the caller can overlap the check
   * with its own work (creating a session). Results computed from `bytes` must not be used until
   * `verified` resolves true; on false the entry is already dropped (refetch). Absent: use `get`.
   */
  read?(digest: string, owner?: VersionRef): Promise<{ bytes: Uint8Array; verified: Promise<boolean> } | null>
  /**
   * Stores bytes the caller has verified against `digest`, for `owner`. Makes room by the eviction
   * policy first. Never throws for lack of space: resolves false when the bytes could not be kept.
   */
  put(digest: string, bytes: Uint8Array, owner: VersionRef): Promise<boolean>
  /** Records a manifest; with `alias`, also records that the alias resolved to it (with the ETag seen). */
  putManifest(manifest: Manifest, alias?: { alias: string; etag?: string }): Promise<void>
  getManifest(name: string, version: number): Promise<Manifest | null>
  /** The version an alias last resolved to on this device. */
  getAlias(name: string, alias: string): Promise<AliasRecord | null>
  /** Keeps a version from eviction while in use; call the returned function to release it. */
  retain(ref: VersionRef): () => void
  list(): Promise<CacheEntry[]>
  /** Deletes one version, or every version of a model; blobs still used by another version stay. */
  delete(name: string, version?: number): Promise<void>
  pin(name: string, version: number, pinned?: boolean): Promise<void>
  clear(): Promise<void>
  estimate(): Promise<CacheEstimate>
}
