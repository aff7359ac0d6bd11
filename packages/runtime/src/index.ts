/**
 * @ferry/runtime for bundlers and server runtimes: `createRuntime` with the engine in a module Worker
 * (bundled from ./worker/entry.js) where Workers exist, in-thread elsewhere (Node, Deno, tests).
 */
import { createRuntimeWith, type Platform } from './api/runtime.js'
import type { Ferry, RuntimeOptions } from './api/types.js'
import { createModelCache } from './cache/index.js'

const platform: Platform = {
  startWorker: () => new Worker(new URL('./worker/entry.js', import.meta.url), { type: 'module' }),
  async localEngine(config, deps) {
    const { createEngine } = await import('./engine/engine.js')
    return createEngine(config, {
      createCache: createModelCache,
      ...deps,
      loadOrt: (flavor) =>
        flavor === 'webgpu' ? import('onnxruntime-web/webgpu') : import('onnxruntime-web'),
    })
  },
}

/** Creates a Ferry runtime: `const ferry = createRuntime({ registry })`, then `await ferry.load(name)`. */
export function createRuntime(options: RuntimeOptions): Ferry {
  return createRuntimeWith(platform, options)
}

export type { BackendName, ErrorCode, Manifest, TelemetryEvent, TensorSpec } from '@ferry/protocol'
export { FerryError, hasErrorCode } from '@ferry/protocol'
export type { CacheApi, Ferry, LoadOptions, Model, RunOptions, RuntimeOptions } from './api/types.js'
export {
  createCacheApiDriver,
  createFsDriver,
  createIndexedDBDriver,
  createMemoryCache,
  createMemoryDriver,
  createModelCache,
  type ModelCacheOptions,
} from './cache/index.js'
export type { CacheEntry, CacheEstimate, ModelCache } from './cache/types.js'
export type {
  Fallback,
  Inputs,
  InputValue,
  Outputs,
  Progress,
  SessionStat,
  Tensor,
  TestHooks,
} from './engine/types.js'
export type { Capabilities } from './platform/env.js'
export type { TelemetryOptions } from './telemetry/index.js'
