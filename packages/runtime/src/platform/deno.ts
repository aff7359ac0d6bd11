/**
 * Deno: the engine in-thread on ort-web (Deno's own WebGPU where it finds an adapter, else WASM), bytes
 * in Deno's Cache API (kept across processes in DENO_DIR). onnxruntime-node runs there too (Deno loads
 * Node-API addons with --allow-ffi): pass `ortNode()` to `createEngine` to use it.
 */
import type { EngineClient } from '../api/model.js'
import type { EngineSettings, RuntimeHost } from '../api/runtime.js'
import { ortWeb } from '../backends/ort-web/backend.js'
import type { Backend } from '../backends/types.js'
import { createModelCache } from '../cache/index.js'
import { createDefaultCache } from '../engine/default-cache.js'
import { createEngine } from '../engine/engine.js'
import type { EngineOptions } from '../engine/types.js'
import { detectCapabilities, wasmThreading, webgpu } from './globals.js'

/** Deno's backends: ort-web on Deno's WebGPU (where it has an adapter) and WASM. */
export function denoBackends(ort: EngineSettings['ort'] = {}): Backend[] {
  return [
    ortWeb({
      load: (build) => (build === 'webgpu' ? import('onnxruntime-web/webgpu') : import('onnxruntime-web')),
      gpu: webgpu(),
      ...wasmThreading(),
      ...ort,
    }),
  ]
}

/** An engine's dependencies on Deno. */
export function denoEngineOptions(settings: EngineSettings): EngineOptions {
  const emit = (e: Parameters<EngineSettings['emit']>[0][number]) => settings.emit([e])
  return {
    ...settings.config,
    fetch: settings.fetch ?? fetch,
    cache: settings.cache ?? createDefaultCache(settings.cacheOptions, emit, createModelCache),
    backends: denoBackends(settings.ort),
    // Deno runs module workers only: the digest helper (a classic blob: worker) is not worth trying.
    digest: () => null,
    emit: settings.emit,
  }
}

/** The RuntimeHost of `@ferry/runtime` on Deno. */
export const denoHost: RuntimeHost = {
  capabilities: detectCapabilities(),
  placement: () => import('../placement/index.js'),
  local: async (settings): Promise<EngineClient> => createEngine(denoEngineOptions(settings)),
}
