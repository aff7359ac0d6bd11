/**
 * The storage driver under the cache core: small JSON-able records by key, and blobs by digest. A driver
 * knows nothing of budgets, policies or versions; one file per platform implements it.
 */

/** What a driver stores; the core owns every record's meaning. */
export interface CacheDriver {
  /** For `estimate()` and diagnostics: 'indexeddb' | 'cache-api' | 'fs' | 'memory'. */
  readonly kind: string
  /** Names the storage: caches over drivers with the same id share locks (e.g. 'indexeddb:ferry-cache'). */
  readonly id: string
  /** False when bytes live only as long as the process (then reads need no digest check). */
  readonly persistent: boolean
  getRecord<T>(key: string): Promise<T | undefined>
  /** Every record whose key starts with `prefix`. */
  records<T>(prefix: string): Promise<Array<[string, T]>>
  /** Writes (value) or deletes (undefined) records, atomically where the platform allows. */
  setRecords(changes: Array<[string, unknown]>): Promise<void>
  /**
   * Stores a blob, then commits `records` (the blob's own record among them) so a blob whose record
   * exists is complete. Throws the platform's quota error (see `isQuotaError`) when out of space,
   * leaving nothing half-written behind.
   */
  writeBlob(digest: string, bytes: Uint8Array, records: Array<[string, unknown]>): Promise<void>
  /** The blob's bytes (`size` of them), or null when missing or not the expected length. */
  readBlob(digest: string, size: number): Promise<Uint8Array | null>
  /**
   * Optional: the blob as an immutable platform `Blob` (IndexedDB keeps its chunks as Blobs), or null
   * like `readBlob`. The core then reads the bytes out of it, and its digest check reads the same Blob
   * again on another thread instead of hashing on this one.
   */
  openBlob?(digest: string, size: number): Promise<Blob | null>
  /** Deletes blobs and commits `records` changes in the same step where the platform allows. */
  deleteBlobs(digests: string[], records: Array<[string, unknown]>): Promise<void>
  /** Digests of every stored blob, complete or not (for sweeping leftovers of a crashed write). */
  blobDigests(): Promise<string[]>
  clear(): Promise<void>
}

/** True for the platform's "out of space" failures (DOMException, Node errno, or our own). */
export function isQuotaError(e: unknown): boolean {
  if (!e || typeof e !== 'object') return false
  const { name, code } = e as { name?: unknown; code?: unknown }
  return (
    name === 'QuotaExceededError' ||
    name === 'NS_ERROR_DOM_QUOTA_REACHED' ||
    code === 'ENOSPC' ||
    code === 'EDQUOT' ||
    code === 'QUOTA_EXCEEDED' ||
    code === 22
  )
}

/** The error a driver throws when a simulated or platform-less quota is exceeded. */
export function quotaError(message = 'storage quota exceeded'): Error {
  if (typeof DOMException === 'function') return new DOMException(message, 'QuotaExceededError')
  const e = new Error(message)
  e.name = 'QuotaExceededError'
  return e
}
