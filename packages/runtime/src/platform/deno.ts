/**
 * Deno: the engine in-thread on ort-web (Deno's own WebGPU where it finds an adapter, else WASM), bytes
 * in Deno's Cache API (kept across processes in DENO_DIR). onnxruntime-node runs there too (Deno loads
 * Node-API addons with --allow-ffi): pass `ortNode()` to `createEngine` to use it.
 */
import type { EngineClient } from '../api/model.js'
import type { EngineSettings, RuntimeHost } from '../api/runtime.js'
import { ortWeb } from '../backends/ort-web/backend.js'
import { createModelCache } from '../cache/index.js'
import { createDefaultCache } from '../engine/default-cache.js'
import { createEngine } from '../engine/engine.js'
import type { EngineOptions } from '../engine/types.js'
import { detectCapabilities, webgpu } from './globals.js'

/** An engine's dependencies on Deno. */
export function denoEngineOptions(settings: EngineSettings): EngineOptions {
  const emit = (e: Parameters<EngineSettings['emit']>[0][number]) => settings.emit([e])
  const caps = detectCapabilities()
  return {
    ...settings.config,
    fetch: settings.fetch ?? fetch,
    cache: settings.cache ?? createDefaultCache(settings.cacheOptions, emit, createModelCache),
    backends: [
      ortWeb({
        load: (build) => (build === 'webgpu' ? import('onnxruntime-web/webgpu') : import('onnxruntime-web')),
        gpu: webgpu(),
        hardwareConcurrency: caps.hardwareConcurrency,
        ...settings.ort,
      }),
    ],
    // Deno runs module workers only: the digest helper (a classic blob: worker) is not worth trying.
    digest: () => null,
    emit: settings.emit,
  }
}

/** The RuntimeHost of `@ferry/runtime` on Deno. */
export const denoHost: RuntimeHost = {
  capabilities: detectCapabilities(),
  local: async (settings): Promise<EngineClient> => createEngine(denoEngineOptions(settings)),
}
