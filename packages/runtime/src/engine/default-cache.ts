/**
 * The bytes cache the engine uses when the caller passes none. The browser build keeps only the driver a
 * browser uses (IndexedDB; where it is missing or broken the cache degrades to uncached downloads); other
 * platforms pass their own factory (see EngineDeps).
 */

import type { TelemetryEvent } from '@ferry/protocol'
import { type CacheOptions, createCache } from '../cache/core.js'
import { createIndexedDBDriver } from '../cache/drivers/indexeddb.js'
import type { ModelCache } from '../cache/types.js'

/** Cache events the cache reports itself; hit, miss and store are reported by the loader. */
const OWN_EVENTS = new Set(['evict', 'corrupt', 'quota'])

function browserCache(options: Record<string, unknown>): ModelCache {
  const { name, ...rest } = options as CacheOptions & { name?: string }
  return createCache(createIndexedDBDriver(name ? { name } : {}), rest)
}

/**
 * Builds the default ModelCache from serializable options (`createRuntime({ cache: { maxBytes, policy,
 * persist } })`); `emit` carries the cache's own events (evictions, corruption, quota) into the runtime's
 * event stream.
 */
export function createDefaultCache(
  options: Record<string, unknown> = {},
  emit?: (e: TelemetryEvent) => void,
  factory: (options: Record<string, unknown>) => ModelCache = browserCache,
): ModelCache {
  return factory({
    ...options,
    ...(emit
      ? {
          onEvent: (e: TelemetryEvent) =>
            OWN_EVENTS.has(e.type === 'cache' ? e.action : '') ? emit(e) : undefined,
        }
      : {}),
  })
}
