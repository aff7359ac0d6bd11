/**
 * An engine in a browser page or worker: ort-web with this host's WebGPU (and WASM threads when cross-origin
 * isolated), the platform's bytes cache (IndexedDB), digest checks on helper workers.
 */
import type { EngineClient } from '../api/model.js'
import type { EngineSettings } from '../api/runtime.js'
import { type OrtWebOptions, ortWeb } from '../backends/ort-web/backend.js'
import type { Backend } from '../backends/types.js'
import { type CacheOptions, createCache } from '../cache/core.js'
import { startBlobCheck } from '../cache/digest.js'
import { createIndexedDBDriver } from '../cache/drivers/indexeddb.js'
import type { ModelCache } from '../cache/types.js'
import { createDefaultCache } from '../engine/default-cache.js'
import { createEngine } from '../engine/engine.js'
import type { EngineOptions } from '../engine/types.js'
import { wasmThreading, webgpu } from './globals.js'

export type LoadOrt = OrtWebOptions['load']

/** Browsers keep bytes in IndexedDB (only that driver ships in the browser build). */
function indexedDBCache(options: Record<string, unknown>): ModelCache {
  const { name, ...rest } = options as CacheOptions & { name?: string }
  return createCache(createIndexedDBDriver(name ? { name } : {}), rest)
}

/** The ort-web backend as this host has it (its WebGPU, threads when cross-origin isolated). */
export function browserOrtWeb(load: LoadOrt, ort: EngineSettings['ort']): Backend {
  return ortWeb({ load, gpu: webgpu(), ...wasmThreading(), ...ort })
}

/** An engine's dependencies in a browser page or worker. */
export function browserEngineOptions(
  settings: Pick<EngineSettings, 'config' | 'cache' | 'cacheOptions' | 'fetch' | 'emit'>,
  backends: readonly Backend[],
): EngineOptions {
  const emit = (e: Parameters<EngineSettings['emit']>[0][number]) => settings.emit([e])
  return {
    ...settings.config,
    fetch: settings.fetch ?? fetch.bind(globalThis),
    cache: settings.cache ?? createDefaultCache(settings.cacheOptions, emit, indexedDBCache),
    backends,
    digest: startBlobCheck,
    emit: settings.emit,
  }
}

/** The engine in this thread, on ort-web loaded by `load`. */
export async function browserLocalEngine(settings: EngineSettings, load: LoadOrt): Promise<EngineClient> {
  return createEngine(browserEngineOptions(settings, [browserOrtWeb(load, settings.ort)]))
}
