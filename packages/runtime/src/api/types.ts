/** The public API's types: createRuntime's options, the runtime object, and a loaded model. */
import type { BackendName, Manifest, TelemetryEvent, TensorSpec } from '@ferry/protocol'
import type { CacheEntry, CacheEstimate, ModelCache } from '../cache/types.js'
import type { Fallback, Inputs, Outputs, Progress, SessionStat, TestHooks } from '../engine/types.js'
import type { Capabilities } from '../platform/env.js'
import type { TelemetryOptions } from '../telemetry/index.js'

export interface RuntimeOptions {
  /** Base URL of the Ferry registry, e.g. `https://models.example.com`. */
  registry: string
  /** Backends to use, in order of preference (default: the manifest's order, WebGPU then WASM). */
  backends?: BackendName[]
  /** Run the engine in a Web Worker (default `'auto'`: when Workers exist and no custom `fetch` is given). */
  worker?: boolean | 'auto'
  /** A ModelCache instance, or options for the default one (e.g. `{ maxBytes }`). */
  cache?: ModelCache | Record<string, unknown>
  /** fetch to reach the registry with (in-thread engine only; a worker uses its own global fetch). */
  fetch?: typeof fetch
  /**
   * Event sink: receives every engine event (load, inference, fallback, cache, error) on the calling
   * thread. `ferry.on('event', fn)` adds more listeners. The telemetry reporter builds on this stream.
   */
  onEvent?: (e: TelemetryEvent) => void
  /** Fleet telemetry to `${registry}/v1/telemetry` (endpoint, sampleRate, flushMs); `false` turns it off. */
  telemetry?: TelemetryOptions | false
  /** Where ONNX Runtime's .wasm/.mjs files are (default: next to the script in the browser build). */
  wasmPaths?: string
  /** WASM threads (default: up to 4 when cross-origin isolated, else 1). */
  numThreads?: number
  /** Most requests waiting per model before `run` fails with QUEUE_FULL (default 128). */
  maxQueue?: number
  /** Budget of live sessions; idle ones past it are released and re-created on their next run. */
  sessions?: { maxCount?: number; maxBytes?: number }
  /**
   * For end-to-end tests only: force WebGPU failure paths. Also read from `globalThis.__FERRY_TEST_HOOKS__`
   * (e.g. `{ failWebgpuSession: true }` or `{ loseDeviceAfterRuns: 2 }`).
   */
  testHooks?: TestHooks
}

export interface LoadOptions {
  /** A version number or an alias (default `'latest'`). */
  version?: number | string
  onProgress?: (p: Progress) => void
  signal?: AbortSignal
  /** Try this backend first (`'wasm'` forces WASM). */
  backend?: BackendName
}

export interface RunOptions {
  signal?: AbortSignal
  /** Transfer the inputs' buffers to the worker instead of copying them (they become unusable here). */
  transfer?: boolean
}

/** A loaded model version. */
export interface Model {
  readonly name: string
  readonly version: number
  /** The backend it runs on now (`'wasm'` after a fallback, including a lost GPU device). */
  readonly backend: BackendName
  /** null, or why WebGPU is not used. */
  readonly fallback: Fallback | null
  readonly inputs: TensorSpec[]
  readonly outputs: TensorSpec[]
  readonly manifest: Manifest
  /** Runs the model; inputs are checked against the manifest first (coded errors name the input). */
  run(inputs: Inputs, options?: RunOptions): Promise<Outputs>
  /** Frees this handle; the session goes when no handle uses it. */
  unload(): Promise<void>
}

/** What is on the device, from the bytes cache (with `inMemory` from the live sessions). */
export interface CacheApi {
  list(): Promise<CacheEntry[]>
  delete(name: string, version?: number): Promise<void>
  pin(name: string, version: number): Promise<void>
  unpin(name: string, version: number): Promise<void>
  clear(): Promise<void>
  estimate(): Promise<CacheEstimate>
}

/** The runtime `createRuntime` returns. */
export interface Ferry {
  readonly capabilities: Readonly<Capabilities>
  /** True when the engine runs in a Worker. */
  readonly inWorker: boolean
  load(name: string, options?: LoadOptions): Promise<Model>
  readonly cache: CacheApi
  /** Live sessions (the sessions tier): bytes, last use, uses, queue length. */
  sessions(): Promise<SessionStat[]>
  /** Adds an event listener; returns a function that removes it. */
  on(type: 'event', fn: (e: TelemetryEvent) => void): () => void
  /** Unloads everything, stops the worker, flushes events. */
  close(): Promise<void>
}
