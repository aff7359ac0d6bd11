import { afterEach, describe, expect, it, vi } from 'vitest'
import { createModelCache, platformDriverKind } from './index.js'

afterEach(() => vi.unstubAllGlobals())

describe('createModelCache', () => {
  it('uses memory in Node, IndexedDB where indexedDB exists, the Cache API in Deno', async () => {
    expect(platformDriverKind()).toBe('memory')
    vi.stubGlobal('indexedDB', {})
    expect(platformDriverKind()).toBe('indexeddb')
    vi.stubGlobal('Deno', {})
    vi.stubGlobal('caches', {})
    expect(platformDriverKind()).toBe('cache-api')
  })

  it('defaults the budget from navigator.storage.estimate() and asks for persistence', async () => {
    const persist = vi.fn(async () => true)
    vi.stubGlobal('navigator', {
      storage: { estimate: async () => ({ quota: 1000, usage: 10 }), persist, persisted: async () => false },
    })
    const { createIndexedDBDriver } = await import('./drivers/indexeddb.js')
    const { IDBKeyRange, indexedDB } = await import('fake-indexeddb')
    const cache = createModelCache({
      driver: createIndexedDBDriver({ name: 'factory-test', indexedDB, IDBKeyRange }),
      persist: true,
    })
    expect(await cache.estimate()).toEqual({ used: 0, budget: 500, quota: 1000, usage: 10 })
    expect(persist).toHaveBeenCalledOnce()
    expect((await createModelCache({ maxBytes: 42 }).estimate()).budget).toBe(42)
  })
})
