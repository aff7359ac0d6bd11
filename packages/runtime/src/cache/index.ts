/** The bytes tier's public face: `createModelCache` picks the driver for the platform. */
import { denoCaches, hasIndexedDB } from '../platform/globals.js'
import { type CacheOptions, createCache } from './core.js'
import type { CacheDriver } from './driver.js'
import { createCacheApiDriver } from './drivers/cache-api.js'
import { createIndexedDBDriver } from './drivers/indexeddb.js'
import { createMemoryDriver } from './drivers/memory.js'
import type { ModelCache } from './types.js'

export type { CacheOptions } from './core.js'
export { createCache } from './core.js'
export { matchesDigest } from './digest.js'
export type { CacheDriver } from './driver.js'
export { isQuotaError } from './driver.js'
export { createCacheApiDriver } from './drivers/cache-api.js'
export { createFsDriver } from './drivers/fs.js'
export { createIndexedDBDriver } from './drivers/indexeddb.js'
export { createMemoryDriver } from './drivers/memory.js'
export { createMemoryCache } from './memory.js'
export type { EvictionPolicy, PolicyName } from './policy.js'
export type * from './types.js'

export interface ModelCacheOptions extends CacheOptions {
  /** Storage to use instead of the platform's default (e.g. `createFsDriver({ dir })` in Node). */
  driver?: CacheDriver
  /** Database or cache name (default 'ferry-cache'). */
  name?: string
}

/** Which driver `createModelCache` uses here: IndexedDB in browsers and workers, Cache API in Deno. */
export function platformDriverKind(): 'indexeddb' | 'cache-api' | 'memory' {
  if (denoCaches()) return 'cache-api'
  if (hasIndexedDB()) return 'indexeddb'
  return 'memory'
}

/**
 * Creates the bytes-tier cache for this platform (IndexedDB in browsers incl. workers, the Cache API in
 * Deno, memory elsewhere, or `options.driver`). Opens nothing until first used.
 */
export function createModelCache(options: ModelCacheOptions = {}): ModelCache {
  const { driver, name, ...rest } = options
  const kind = platformDriverKind()
  const chosen =
    driver ??
    (kind === 'indexeddb'
      ? createIndexedDBDriver(name ? { name } : {})
      : kind === 'cache-api'
        ? createCacheApiDriver(name ? { name } : {})
        : createMemoryDriver())
  return createCache(chosen, rest)
}
