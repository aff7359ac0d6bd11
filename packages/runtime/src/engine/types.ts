/** The engine's contract: what a host (the page, the worker, Ferry Edge) gives it and gets back. */
import type { BackendName, Manifest, TelemetryEvent } from '@ferry/protocol'
import type { BackendRegistry } from '../backends/registry.js'
import type { Backend } from '../backends/types.js'
import type { BlobCheck } from '../cache/digest.js'
import type { CacheEntry, CacheEstimate, ModelCache } from '../cache/types.js'
import type { Inputs, Outputs } from '../tensors/tensor.js'
import type { PoolEntry } from './pool.js'

export type LoadPhase = 'resolving' | 'downloading' | 'verifying' | 'compiling' | 'ready'

/** Load progress: bytes across all of a version's files. */
export interface Progress {
  phase: LoadPhase
  loaded: number
  total: number
}

/** Why a model does not run on the first device it could have (or stopped running there). */
export interface Fallback {
  from: BackendName
  reason: string
}

/** The live-session pool: at most `maxCount` sessions and `maxBytes`; idle ones go after `idleMs`. */
export interface SessionPoolOptions {
  maxCount?: number
  maxBytes?: number
  /** A session unused this long is released (its bytes stay cached); 0 keeps idle sessions. */
  idleMs?: number
}

/** Dynamic batching for one model: the manifest's `runtime.batching`, this, or `false` for none. */
export type BatchingOption = { maxBatchSize: number; maxDelayMs: number } | false

/** Serializable engine settings (they cross to a worker). */
export interface EngineConfig {
  /** The registry's base URL. */
  registry: string
  /** Devices in order of preference (narrows the manifest's `runtime.backends`). */
  devices?: BackendName[]
  /** Most requests waiting per model; past it `run` fails with QUEUE_FULL. Default 128. */
  maxQueue?: number
  /** The live-session pool (default: 16 sessions, 2 GiB, idle 10 min). */
  sessions?: SessionPoolOptions
}

/** What the engine gets from its host (see `platform/*`). */
export interface EngineDeps {
  fetch: typeof fetch
  cache: ModelCache
  /** The backends it may use, by priority (a list: earlier first). */
  backends: BackendRegistry | readonly Backend[]
  /** Starts a digest check of `size` bytes on a helper worker, or null (hash in place). */
  digest?: (size: number) => BlobCheck | null
  /** Where engine events go, as they happen. */
  emit?: (events: TelemetryEvent[]) => void
  /**
   * How the session pool ranks idle sessions for release, lowest first (default: by recent call rate,
   * then least recently used). Plain LRU is `(a, b) => a.lastUsed - b.lastUsed`.
   */
  rankSessions?: (a: PoolEntry, b: PoolEntry) => number
}

export type EngineOptions = EngineConfig & EngineDeps

export interface LoadRequest {
  name: string
  version?: number | string
  /** Try this device first (`'wasm'` forces WASM). */
  backend?: BackendName
  /** Dynamic batching for this model, over the manifest's. */
  batching?: BatchingOption
  /** Id for `abort`. */
  callId?: number
}

/** What a host learns about a loaded model (its name, version and signature are the manifest's). */
export interface ModelInfo {
  handle: number
  backend: BackendName
  fallback: Fallback | null
  manifest: Manifest
}

/** How one request ran: time waiting in the queue, compute time of its batch, and the batch's size. */
export interface RunTiming {
  queueMs: number
  computeMs: number
  batch: number
}

/** The result of one run, and the device that produced it (it changes after a fallback). */
export interface RunResult {
  outputs: Outputs
  backend: BackendName
  fallback: Fallback | null
  timing: RunTiming
}

/** A live session as `ferry.sessions.list()` shows it. */
export interface SessionStat {
  key: string
  name: string
  version: number
  backend: BackendName
  /** `loading` (being created), `ready` (in memory), `released` (bytes cached, re-created on demand). */
  state: 'loading' | 'ready' | 'released'
  /** What the session holds: measured by its backend where it can, else the model's file size. */
  bytes: number
  lastUsed: number
  uses: number
  /** Recent call rate (decayed over about a minute). */
  callsPerMin: number
  /** Requests waiting. */
  queued: number
  /** Requests in the batch running now. */
  running: number
  handles: number
}

/** What is on the device, from the bytes cache (`inMemory` from the live sessions). */
export interface CacheApi {
  list(): Promise<CacheEntry[]>
  delete(name: string, version?: number): Promise<void>
  pin(name: string, version: number): Promise<void>
  unpin(name: string, version: number): Promise<void>
  clear(): Promise<void>
  estimate(): Promise<CacheEstimate>
}

/** The engine's surface, in-thread or across a worker (the same calls). */
export interface EngineApi {
  /**
   * The manifest `version` (a number or an alias, default `latest`) resolves to, as `load` resolves it
   * (with the registry unreachable: what this device last saw), without loading it.
   */
  resolve(name: string, version?: number | string): Promise<Manifest>
  load(req: LoadRequest, onProgress?: (p: Progress) => void): Promise<ModelInfo>
  run(handle: number, inputs: Inputs, callId?: number): Promise<RunResult>
  /** Aborts the load or run started with this call id. */
  abort(callId: number): void
  unload(handle: number): Promise<void>
  sessions(): Promise<SessionStat[]>
  readonly cache: CacheApi
  close(): Promise<void>
}
