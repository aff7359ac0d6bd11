/**
 * Node: the engine in-thread, on onnxruntime-node (`cuda` where offered, else `cpu`) when it is
 * installed, and onnxruntime-web's WASM as the last resort; bytes in memory unless a cache is given
 * (`createModelCache({ driver: createFsDriver({ dir }) })` keeps them on disk).
 */
import type { EngineClient } from '../api/model.js'
import type { EngineSettings, RuntimeHost } from '../api/runtime.js'
import { ortNode } from '../backends/ort-node.js'
import { ortWeb } from '../backends/ort-web/backend.js'
import type { Backend } from '../backends/types.js'
import { createModelCache } from '../cache/index.js'
import { createDefaultCache } from '../engine/default-cache.js'
import { createEngine } from '../engine/engine.js'
import type { EngineOptions } from '../engine/types.js'
import { detectCapabilities, processMemory } from './globals.js'

/** Node's backends: ort-node (if installed), then ort-web's WASM. */
export async function nodeBackends(ort: EngineSettings['ort'] = {}): Promise<Backend[]> {
  const native = await ortNode({ ...withMemory() })
  const web = ortWeb({
    load: (build) => (build === 'webgpu' ? import('onnxruntime-web/webgpu') : import('onnxruntime-web')),
    devices: ['wasm'],
    ...ort,
  })
  return native ? [native, web] : [web]
}

const withMemory = () => {
  const memory = processMemory()
  return memory ? { memory } : {}
}

/** An engine's dependencies on Node. */
export async function nodeEngineOptions(settings: EngineSettings): Promise<EngineOptions> {
  const emit = (e: Parameters<EngineSettings['emit']>[0][number]) => settings.emit([e])
  return {
    ...settings.config,
    fetch: settings.fetch ?? fetch,
    cache: settings.cache ?? createDefaultCache(settings.cacheOptions, emit, createModelCache),
    backends: await nodeBackends(settings.ort),
    digest: () => null,
    emit: settings.emit,
  }
}

/** The RuntimeHost of `@ferry/runtime` on Node. */
export const nodeHost: RuntimeHost = {
  capabilities: detectCapabilities(),
  placement: () => import('../placement/index.js'),
  local: async (settings): Promise<EngineClient> => createEngine(await nodeEngineOptions(settings)),
}
