/** The public API's types: createRuntime's options, the runtime object, and a loaded model. */
import type { BackendName, Manifest, TelemetryEvent, TensorSpec } from '@ferry/protocol'
import type { ModelCache } from '../cache/types.js'
import type {
  BatchingOption,
  CacheApi,
  Fallback,
  Progress,
  RunTiming,
  SessionPoolOptions,
  SessionStat,
} from '../engine/types.js'
import type { Capabilities } from '../platform/globals.js'
import type { TelemetryOptions, TelemetryStats } from '../telemetry/index.js'
import type { Inputs, Outputs } from '../tensors/tensor.js'

export interface RuntimeOptions {
  /** Base URL of the Ferry registry, e.g. `https://models.example.com`. */
  registry: string
  /** Devices to use, in order of preference (default: every device the backends offer, best first). */
  backends?: BackendName[]
  /** Run the engine in a Web Worker (default `'auto'`: when Workers exist and no custom `fetch` is given). */
  worker?: boolean | 'auto'
  /**
   * A module worker script to run the engine in instead of Ferry's own: one that calls
   * `serveEngineWorker` from `@ferry/runtime/worker`, e.g. to add or wrap backends.
   */
  workerUrl?: string | URL
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
  /** The live-session pool: `{ maxCount, maxBytes, idleMs }` (see `ferry.sessions.list()`). */
  sessions?: SessionPoolOptions
}

export interface LoadOptions {
  /** A version number or an alias (default `'latest'`). */
  version?: number | string
  onProgress?: (p: Progress) => void
  signal?: AbortSignal
  /** Try this device first (`'wasm'` forces WASM). */
  backend?: BackendName
  /**
   * Dynamic batching over the manifest's `runtime.batching` (`false`: none). A version has one queue: the
   * option of the load that first loaded it holds until it is unloaded.
   */
  batching?: BatchingOption
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
  /** The device it runs on now (`'wasm'` after a fallback, including a lost GPU device). */
  readonly backend: BackendName
  /** null, or why it does not run on the first device it could have. */
  readonly fallback: Fallback | null
  readonly inputs: TensorSpec[]
  readonly outputs: TensorSpec[]
  readonly manifest: Manifest
  /** How the last run went: queue wait, compute time and batch size. */
  readonly timing: RunTiming | null
  /** Runs the model; inputs are checked against the manifest first (coded errors name the input). */
  run(inputs: Inputs, options?: RunOptions): Promise<Outputs>
  /** Frees this handle; the session goes when no handle uses it. */
  unload(): Promise<void>
}

/** The runtime `createRuntime` returns. */
export interface Ferry {
  readonly capabilities: Readonly<Capabilities>
  /** True when the engine runs in a Worker. */
  readonly inWorker: boolean
  load(name: string, options?: LoadOptions): Promise<Model>
  readonly cache: CacheApi
  /** Live sessions: state, bytes, calls/min, queue length. */
  readonly sessions: { list(): Promise<SessionStat[]> }
  /** Fleet telemetry: events sent, queued and dropped (all zero with `telemetry: false`). */
  readonly telemetry: { stats(): TelemetryStats }
  /** Adds an event listener; returns a function that removes it. */
  on(type: 'event', fn: (e: TelemetryEvent) => void): () => void
  /** Unloads everything, stops the worker, flushes events. */
  close(): Promise<void>
}

export type { CacheApi }
