/** The engine's contract: what the main thread sends it and gets back, in-thread or across a worker. */
import type { BackendName, Dtype, Manifest, TelemetryEvent, TensorSpec } from '@ferry/protocol'
import type { CacheEntry, CacheEstimate, ModelCache } from '../cache/types.js'
import type { TensorData } from '../tensors/dtypes.js'

/** A tensor as Ferry returns it. */
export interface Tensor {
  data: TensorData
  dims: number[]
  dtype: Dtype
}

/** What `model.run` accepts per input: `{ data, dims }`, a bare array where dims follow from the manifest, or a scalar. */
export type InputValue =
  | { data: TensorData; dims: readonly number[] }
  | TensorData
  | number
  | bigint
  | boolean
  | string

export type Inputs = Record<string, InputValue>
export type Outputs = Record<string, Tensor>

export type LoadPhase = 'resolving' | 'downloading' | 'verifying' | 'compiling' | 'ready'

/** Load progress: bytes across all of a version's files. */
export interface Progress {
  phase: LoadPhase
  loaded: number
  total: number
}

/** Why WebGPU was not used (or stopped being used). */
export interface Fallback {
  from: BackendName
  reason: string
}

/** Test hooks, for end-to-end tests only: force the WebGPU failure paths on a real GPU. */
export interface TestHooks {
  /** Make every WebGPU session creation fail (reason `session-failed: forced by test hook`). */
  failWebgpuSession?: boolean
  /** Destroy the WebGPU device after this many runs on it, as if it were lost. */
  loseDeviceAfterRuns?: number
}

/** Serializable engine settings (they cross to the worker). */
export interface EngineConfig {
  registry: string
  backends?: BackendName[]
  wasmPaths?: string
  numThreads?: number
  /** Most requests waiting per model; past it `run` fails with QUEUE_FULL. */
  maxQueue?: number
  /** Live-session budget (the sessions tier); idle sessions past it are released and re-created on demand. */
  sessions?: { maxCount?: number; maxBytes?: number }
  /** Options for the default cache, when no ModelCache instance is given. */
  cacheOptions?: Record<string, unknown>
  testHooks?: TestHooks
}

/** Things the engine gets from its host that cannot be serialized. */
export interface EngineDeps {
  fetch?: typeof fetch
  cache?: ModelCache
  /**
   * Builds the default cache from `cacheOptions` when no `cache` is given. Default: IndexedDB where it
   * exists, else memory; the package's Node/Deno entry passes `createModelCache` (Cache API in Deno).
   */
  createCache?: (options: Record<string, unknown>) => ModelCache
  /** Loads ONNX Runtime Web; `flavor` picks the WebGPU-capable build or the plain WASM one. */
  loadOrt: (flavor: 'webgpu' | 'wasm') => Promise<unknown>
  /** Where engine events go, as they happen. */
  emit: (events: TelemetryEvent[]) => void
}

export interface LoadRequest {
  name: string
  version?: number | string
  backend?: BackendName
  callId?: number
}

/** What the main thread learns about a loaded model. */
export interface ModelInfo {
  handle: number
  name: string
  version: number
  backend: BackendName
  fallback: Fallback | null
  inputs: TensorSpec[]
  outputs: TensorSpec[]
  manifest: Manifest
}

/** The result of one run, plus the backend that produced it (it changes after a device loss). */
export interface RunResult {
  outputs: Outputs
  backend: BackendName
  fallback: Fallback | null
}

/** A live session, as `ferry.sessions()` / the sessions-tier policy see it. */
export interface SessionStat {
  key: string
  name: string
  version: number
  backend: BackendName
  bytes: number
  lastUsed: number
  uses: number
  queued: number
  live: boolean
  handles: number
}

export type CacheOp = 'list' | 'delete' | 'pin' | 'unpin' | 'clear' | 'estimate'

/** The engine's surface; the worker exposes exactly this over Comlink. */
export interface EngineApi {
  load(req: LoadRequest, onProgress?: (p: Progress) => void): Promise<ModelInfo>
  run(handle: number, inputs: Inputs, callId?: number): Promise<RunResult>
  /** Aborts the load or run started with this call id. */
  abort(callId: number): void
  unload(handle: number): Promise<void>
  sessions(): Promise<SessionStat[]>
  cache(op: 'list'): Promise<CacheEntry[]>
  cache(op: 'estimate'): Promise<CacheEstimate>
  cache(op: CacheOp, name?: string, version?: number): Promise<unknown>
  close(): Promise<void>
}
