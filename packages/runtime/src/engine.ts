/**
 * `@ferry/runtime/engine`: the engine for hosts that embed it in-thread (a server, a test, a custom
 * worker), with the backend seam to add or wrap backends. Platform-free: the host passes fetch, the
 * bytes cache and the backends (`ortWeb` here; `ortNode` from `@ferry/runtime/node`).
 */

export { type OrtWebOptions, ortWeb } from './backends/ort-web/backend.js'
export type { GPUAdapterLike, GPUDeviceLike, GPULike } from './backends/ort-web/gpu.js'
export { BackendRegistry, type Candidate, type Plan } from './backends/registry.js'
export {
  type Backend,
  type BackendName,
  DeviceLostError,
  type ModelFiles,
  type Probe,
  type RunOptions as SessionRunOptions,
  type Session,
} from './backends/types.js'
export type { BlobCheck } from './cache/digest.js'
export type { CacheDriver } from './cache/driver.js'
export { createEngine } from './engine/engine.js'
export { byCallRate, type PoolEntry } from './engine/pool.js'
export type {
  CacheApi,
  EngineApi,
  EngineConfig,
  EngineDeps,
  EngineOptions,
  LoadRequest,
  ModelInfo,
  RunResult,
} from './engine/types.js'
export * from './public.js'
