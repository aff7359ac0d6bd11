/** Browser adapter: the telemetry outbox and client id in IndexedDB (idb-keyval; opened on first use). */
import { createStore, del, delMany, entries, get, set, type UseStore } from 'idb-keyval'
import type { OutboxStorage, SealedBatch } from './outbox.js'

const DB = 'ferry-telemetry'
const BATCH = 'batch:'
const DROPPED = 'meta:dropped'
const CLIENT_ID = 'meta:client-id'

let store: UseStore | undefined
const db = () => {
  store ??= createStore(DB, 'outbox')
  return store
}

/** True when this host has IndexedDB. */
export function hasIndexedDb(): boolean {
  return typeof indexedDB !== 'undefined'
}

/** Outbox storage in IndexedDB: one record per batch, plus the dropped-events count. */
export function indexedDbStorage(): OutboxStorage {
  return {
    async load() {
      const all = await entries<string, unknown>(db())
      const batches: SealedBatch[] = []
      let dropped = 0
      for (const [k, v] of all) {
        if (typeof k !== 'string') continue
        if (k.startsWith(BATCH)) batches.push(v as SealedBatch)
        else if (k === DROPPED && typeof v === 'number') dropped = v
      }
      return { batches, dropped }
    },
    put: (b) => set(BATCH + b.batchId, b, db()),
    delete: (ids) =>
      delMany(
        ids.map((id) => BATCH + id),
        db(),
      ),
    setDropped: (n) => (n > 0 ? set(DROPPED, n, db()) : del(DROPPED, db())),
  }
}

/** The install's client id from IndexedDB, created on first use by `make`. */
export async function indexedDbClientId(make: () => string): Promise<string> {
  const have = await get<string>(CLIENT_ID, db())
  if (typeof have === 'string' && have) return have
  const id = make()
  await set(CLIENT_ID, id, db())
  return id
}
