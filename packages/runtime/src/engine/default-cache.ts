/**
 * The bytes cache an engine uses when its host was given none, as the host's `factory` builds it (IndexedDB
 * in browsers and workers, the Cache API in Deno, memory in Node; where storage is missing or broken the
 * cache degrades to uncached downloads), with the cache's own events in the engine's stream.
 */
import type { TelemetryEvent } from '@ferry/protocol'
import type { ModelCache } from '../cache/types.js'

/** Cache events the cache reports itself; hit, miss and store are reported by the loader. */
const OWN_EVENTS = new Set(['evict', 'corrupt', 'quota'])

/**
 * Builds the default ModelCache from serializable options (`createRuntime({ cache: { maxBytes, policy,
 * persist } })`); `emit` carries the cache's own events (evictions, corruption, quota) into the runtime's
 * event stream.
 */
export function createDefaultCache(
  options: Record<string, unknown> | undefined,
  emit: (e: TelemetryEvent) => void,
  factory: (options: Record<string, unknown>) => ModelCache,
): ModelCache {
  return factory({
    ...options,
    onEvent: (e: TelemetryEvent) =>
      OWN_EVENTS.has(e.type === 'cache' ? e.action : '') ? emit(e) : undefined,
  })
}
