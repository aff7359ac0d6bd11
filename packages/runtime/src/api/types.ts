/** The public API's types: createRuntime's options, the runtime object, and a loaded model. */
import type { BackendName, Manifest, Placement, TelemetryEvent, TensorSpec } from '@ferry/protocol'
import type { ModelCache } from '../cache/types.js'
import type {
  BatchingOption,
  CacheApi,
  Fallback,
  Progress,
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
  /**
   * A Ferry Edge server that serves the same registry's models (its URL, or `{ url, token }`): models may
   * then run there (`load(name, { placement })`, default `'auto'`). The code for it loads only when set.
   */
  edge?: string | URL | EdgeTarget
}

/** A Ferry Edge server: its base URL, and the bearer token its infer route wants, if any. */
export interface EdgeTarget {
  url: string | URL
  token?: string
}

/**
 * Where `load` places a model: `'device'` (WebGPU or WASM, as without an edge), `'edge'` (the Ferry Edge
 * server), or `'auto'`: the device when it can (within the session and cache budgets), the edge when it
 * cannot, and the edge while the device downloads and compiles (warm start).
 */
export type PlacementOption = 'auto' | Placement

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
  /** Device, edge, or auto (default `'auto'` with `createRuntime({ edge })`, else `'device'`). */
  placement?: PlacementOption
}

export interface RunOptions {
  signal?: AbortSignal
  /** Transfer the inputs' buffers to the worker instead of copying them (they become unusable here). */
  transfer?: boolean
}

/** Where one call ran and how long it took. */
export interface RunInfo {
  placement: Placement
  /** The device that ran it: `webgpu`, `wasm`, …; on the edge, the edge's own backend (`cpu`, `cuda`, …). */
  backend: BackendName
  /** Time it waited in the queue (the edge server's, for the edge). */
  queueMs: number
  /** Compute time of its batch (measured by the edge server, for the edge; else the whole call). */
  computeMs: number
  /** Requests in its batch. */
  batch: number
  /** For the edge: the call's time outside the server (network, encoding), when the server reports its own. */
  networkMs?: number
}

/** `model.infer`'s answer: the outputs, and where and how the call ran. */
export interface InferResult {
  outputs: Outputs
  info: RunInfo
}

/** A loaded model version. */
export interface Model {
  readonly name: string
  readonly version: number
  /** Where it runs now: the device, or a Ferry Edge server. */
  readonly placement: Placement
  /** The device it runs on now (`'wasm'` after a fallback, including a lost GPU device), or `'edge'`. */
  readonly backend: BackendName | 'edge'
  /** The edge server it runs on or may move to (its URL and its own backend), or null. */
  readonly edge: { url: string; backend: BackendName } | null
  /** null, or why it does not run on the first device it could have (on the edge: why not on the device). */
  readonly fallback: Fallback | null
  readonly inputs: TensorSpec[]
  readonly outputs: TensorSpec[]
  readonly manifest: Manifest
  /** Runs the model; inputs are checked against the manifest first (coded errors name the input). */
  run(inputs: Inputs, options?: RunOptions): Promise<Outputs>
  /** Runs it like `run`, and says where this call ran and how long it took. */
  infer(inputs: Inputs, options?: RunOptions): Promise<InferResult>
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
