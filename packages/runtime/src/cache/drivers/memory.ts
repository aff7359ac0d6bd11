/** Memory driver: records and blobs in Maps, for the life of the process; optional simulated quota. */
import { type CacheDriver, quotaError } from '../driver.js'

export interface MemoryDriverOptions {
  /** Blob bytes this driver accepts before throwing a QuotaExceededError (simulated platform quota). */
  quotaBytes?: number
}

/**
 * Keeps blobs by reference (no copy): callers must not detach or change a buffer they stored. A blob
 * whose buffer was detached anyway reads as missing.
 */
export function createMemoryDriver(options: MemoryDriverOptions = {}): CacheDriver {
  const records = new Map<string, string>()
  const blobs = new Map<string, Uint8Array>()
  const stored = () => [...blobs.values()].reduce((n, b) => n + b.byteLength, 0)
  const apply = (changes: Array<[string, unknown]>) => {
    for (const [k, v] of changes) v === undefined ? records.delete(k) : records.set(k, JSON.stringify(v))
  }
  return {
    kind: 'memory',
    id: `memory:${Math.random().toString(36).slice(2)}`,
    persistent: false,
    async getRecord<T>(key: string) {
      const v = records.get(key)
      return v === undefined ? undefined : (JSON.parse(v) as T)
    },
    async records<T>(prefix: string) {
      return [...records]
        .filter(([k]) => k.startsWith(prefix))
        .map(([k, v]) => [k, JSON.parse(v) as T] as [string, T])
    },
    async setRecords(changes) {
      apply(changes)
    },
    async writeBlob(digest, bytes, changes) {
      if (options.quotaBytes !== undefined && stored() + bytes.byteLength > options.quotaBytes)
        throw quotaError()
      blobs.set(digest, bytes)
      apply(changes)
    },
    async readBlob(digest, size) {
      const b = blobs.get(digest)
      return b && b.byteLength === size ? b : null
    },
    async deleteBlobs(digests, changes) {
      for (const d of digests) blobs.delete(d)
      apply(changes)
    },
    async blobDigests() {
      return [...blobs.keys()]
    },
    async clear() {
      records.clear()
      blobs.clear()
    },
  }
}
