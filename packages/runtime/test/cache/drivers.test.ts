// Runs the shared cache suite against every driver: memory, IndexedDB (fake-indexeddb), the Cache API
// (undici's implementation, the one Node's fetch comes from) and the file system.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { IDBKeyRange, indexedDB } from 'fake-indexeddb'
import { caches, Response } from 'undici'
import { createCacheApiDriver } from '../../src/cache/drivers/cache-api.js'
import { createFsDriver } from '../../src/cache/drivers/fs.js'
import { createIndexedDBDriver } from '../../src/cache/drivers/indexeddb.js'
import { createMemoryDriver } from '../../src/cache/drivers/memory.js'
import { runCacheSuite } from './suite.js'

let n = 0

runCacheSuite('memory', async () => {
  const driver = createMemoryDriver()
  return { open: () => driver }
})

runCacheSuite('indexeddb (fake-indexeddb)', async () => {
  const name = `ferry-test-${++n}`
  return { open: () => createIndexedDBDriver({ name, indexedDB, IDBKeyRange }) }
})

runCacheSuite('cache-api (undici)', async () => {
  const name = `ferry-test-${++n}`
  return {
    open: () =>
      createCacheApiDriver({
        name,
        caches: caches as unknown as CacheStorage,
        Response: Response as unknown as typeof globalThis.Response,
      }),
    cleanup: async () => void (await caches.delete(name)),
  }
})

runCacheSuite('fs', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ferry-cache-'))
  return { open: () => createFsDriver({ dir }), cleanup: () => rm(dir, { recursive: true, force: true }) }
})
