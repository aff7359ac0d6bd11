/** What every entry of @ferry/runtime exports besides `createRuntime`: errors, types, caches. */
export type { BackendName, ErrorCode, Manifest, Placement, TelemetryEvent, TensorSpec } from '@ferry/protocol'
export { FerryError, hasErrorCode } from '@ferry/protocol'
export type {
  CacheApi,
  EdgeTarget,
  Ferry,
  InferResult,
  LoadOptions,
  Model,
  PlacementOption,
  RunInfo,
  RunOptions,
  RuntimeOptions,
} from './api/types.js'
export type { Backend, ModelFiles, Probe, Session } from './backends/types.js'
export type { CacheDriver } from './cache/driver.js'
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
  BatchingOption,
  Fallback,
  Progress,
  RunTiming,
  SessionPoolOptions,
  SessionStat,
} from './engine/types.js'
export type { Capabilities } from './platform/globals.js'
export type { TelemetryOptions, TelemetryStats } from './telemetry/index.js'
export type { Inputs, InputValue, Outputs, Tensor } from './tensors/tensor.js'
