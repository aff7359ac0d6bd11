/**
 * IndexedDB driver (browsers and workers): one database with a `records` store and a `chunks` store
 * keyed [digest, index]. Blobs are split into CHUNK-sized `Blob` values (Chrome keeps those as files,
 * not inside its database), written one at a time in a single transaction that also commits the blob's
 * record, so a write is atomic. A read takes every chunk handle in one transaction (a consistent
 * snapshot even while another tab deletes) and reads them as one composed Blob into a single buffer:
 * neither side holds one giant record or a second full copy of the blob.
 */
import type { CacheDriver } from '../driver.js'

/** Bytes per chunk record (16 MiB: fewer, bigger chunks read faster; see bench/cache-load.mjs). */
export const CHUNK = 16 * 1024 * 1024

export interface IndexedDBDriverOptions {
  /** Database name (default 'ferry-cache'). */
  name?: string
  /** IDBFactory and IDBKeyRange to use (default the global ones; tests pass fake-indexeddb's). */
  indexedDB?: IDBFactory
  IDBKeyRange?: typeof IDBKeyRange
}

/** A chunk as stored: a Blob holding a copy of the view's bytes only. */
const chunkValue = (view: Uint8Array): Blob => new Blob([view as Uint8Array<ArrayBuffer>])

const RECORDS = 'records'
const CHUNKS = 'chunks'

const done = <T>(r: IDBRequest<T>) =>
  new Promise<T>((resolve, reject) => {
    r.onsuccess = () => resolve(r.result)
    r.onerror = () => reject(r.error)
  })

/** Creates the driver; the database opens on first use and closes when another tab upgrades it. */
export function createIndexedDBDriver(options: IndexedDBDriverOptions = {}): CacheDriver {
  const name = options.name ?? 'ferry-cache'
  const factory = options.indexedDB ?? globalThis.indexedDB
  const Range = options.IDBKeyRange ?? globalThis.IDBKeyRange
  let db: Promise<IDBDatabase> | undefined

  const open = () => {
    db ??= new Promise<IDBDatabase>((resolve, reject) => {
      const r = factory.open(name, 1)
      r.onupgradeneeded = () => {
        r.result.createObjectStore(RECORDS)
        r.result.createObjectStore(CHUNKS)
      }
      r.onsuccess = () => {
        const d = r.result
        d.onversionchange = () => {
          d.close()
          db = undefined
        }
        d.onclose = () => {
          db = undefined
        }
        resolve(d)
      }
      r.onerror = () => {
        db = undefined
        reject(r.error)
      }
    })
    return db
  }

  /** Runs `fn` in one transaction; resolves with its result once the transaction has committed. */
  const tx = async <T>(
    stores: string[],
    mode: IDBTransactionMode,
    fn: (t: IDBTransaction) => T | Promise<T>,
  ): Promise<T> => {
    let t: IDBTransaction
    try {
      t = (await open()).transaction(stores, mode)
    } catch (e) {
      // A connection the browser dropped (Safari) or closed by another tab: reopen once.
      db = undefined
      if ((e as Error)?.name !== 'InvalidStateError') throw e
      t = (await open()).transaction(stores, mode)
    }
    const committed = new Promise<void>((resolve, reject) => {
      t.oncomplete = () => resolve()
      t.onabort = t.onerror = () => reject(t.error ?? new DOMException('transaction aborted', 'AbortError'))
    })
    try {
      const result = await fn(t)
      await committed
      return result
    } catch (e) {
      try {
        t.abort()
      } catch {}
      await committed.catch(() => {})
      throw (t.error ?? e) as Error
    }
  }

  const range = (digest: string) => Range.bound([digest, 0], [digest, Infinity])
  const apply = (t: IDBTransaction, changes: Array<[string, unknown]>) => {
    const s = t.objectStore(RECORDS)
    for (const [k, v] of changes) v === undefined ? s.delete(k) : s.put(v, k)
  }

  /** The chunks as one Blob over their handles: read once, the platform fills a single buffer. */
  const openBlob = async (digest: string, size: number) => {
    const chunks = await tx([CHUNKS], 'readonly', (t) => done(t.objectStore(CHUNKS).getAll(range(digest))))
    const all = new Blob(chunks as Array<Blob | ArrayBuffer>)
    return all.size === size ? all : null
  }

  return {
    kind: 'indexeddb',
    id: `indexeddb:${name}`,
    persistent: true,
    getRecord: <T>(key: string) =>
      tx([RECORDS], 'readonly', (t) => done(t.objectStore(RECORDS).get(key)) as Promise<T | undefined>),
    records: <T>(prefix: string) =>
      tx([RECORDS], 'readonly', async (t) => {
        const s = t.objectStore(RECORDS)
        const r = Range.bound(prefix, `${prefix}\uffff`)
        const [keys, values] = await Promise.all([done(s.getAllKeys(r)), done(s.getAll(r))])
        return keys.map((k, i) => [String(k), values[i] as T] as [string, T])
      }),
    setRecords: (changes) => tx([RECORDS], 'readwrite', (t) => apply(t, changes)),
    writeBlob: (digest, bytes, changes) =>
      tx([RECORDS, CHUNKS], 'readwrite', async (t) => {
        const s = t.objectStore(CHUNKS)
        s.delete(range(digest))
        // One chunk in flight at a time, so at most one chunk's copy waits in memory.
        for (let i = 0, off = 0; off < bytes.byteLength; i++, off += CHUNK)
          await done(s.put(chunkValue(bytes.subarray(off, off + CHUNK)), [digest, i]))
        apply(t, changes)
      }),
    openBlob,
    async readBlob(digest, size) {
      const all = await openBlob(digest, size)
      return all ? new Uint8Array(await all.arrayBuffer()) : null
    },
    deleteBlobs: (digests, changes) =>
      tx([RECORDS, CHUNKS], 'readwrite', (t) => {
        for (const d of digests) t.objectStore(CHUNKS).delete(range(d))
        apply(t, changes)
      }),
    blobDigests: () =>
      tx([CHUNKS], 'readonly', async (t) => {
        const keys = await done(t.objectStore(CHUNKS).getAllKeys())
        return [...new Set(keys.map((k) => String((k as [string, number])[0])))]
      }),
    clear: () =>
      tx([RECORDS, CHUNKS], 'readwrite', (t) => {
        t.objectStore(RECORDS).clear()
        t.objectStore(CHUNKS).clear()
      }),
  }
}
