/** An in-memory ModelCache: no persistence, eviction by policy under a byte budget. */
import { type CacheOptions, createCache } from './core.js'
import { createMemoryDriver } from './drivers/memory.js'
import type { ModelCache } from './types.js'

export interface MemoryCacheOptions extends CacheOptions {
  /** Bytes the cache may hold (default 512 MiB). */
  maxBytes?: number
}

/** Creates a cache that keeps bytes in memory for the life of the runtime. */
export function createMemoryCache(options: MemoryCacheOptions = {}): ModelCache {
  return createCache(createMemoryDriver(), options)
}
