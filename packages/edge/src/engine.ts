/**
 * The edge's one door to Ferry's engine: every load, run, unload, stat and engine event goes through the
 * small `EdgeEngine` interface below. It embeds `createEngine` from `@ferry/runtime/engine` in-thread on
 * the backends the host adapter passes (Node: onnxruntime-node, then onnxruntime-web's WASM; Deno: Deno's
 * WebGPU, then WASM). The engine owns the per-model bounded queue (QUEUE_FULL), aborts (ABORTED), the
 * dynamic batcher (the manifest's `runtime.batching`, or the per-load override), the session pool, and
 * verified downloads into its bytes cache; nothing here re-implements them.
 */
import { type BackendName, FerryError, type Manifest, type TelemetryEvent } from '@ferry/protocol'
import {
  type Backend,
  createEngine,
  createFsDriver,
  createModelCache,
  type EngineApi,
  type ModelCache,
  ortWeb,
  type RunTiming,
  type SessionPoolOptions,
  type Tensor,
} from '@ferry/runtime/engine'

export type { RunTiming, Tensor }

/** Dynamic batching for one model: rows per run and the longest wait for company. */
export interface Batching {
  maxBatchSize: number
  maxDelayMs: number
}

export interface EngineOptions {
  /** Registry base URL. */
  registry: string
  /**
   * The backends to run models on, by priority (default: onnxruntime-web's WASM). The Node adapter passes
   * onnxruntime-node first; the Deno entries Deno's WebGPU, then WASM.
   */
  engineBackends?: Backend[] | (() => Promise<Backend[]>)
  /** The bytes cache (default: a folder at `cacheDir`, else the platform's: the Cache API on Deno). */
  cache?: ModelCache
  /** Folder for the verified model bytes (Node). Absent: the platform's default cache (Deno: Cache API). */
  cacheDir?: string
  /** Cache budget in bytes (least recently used versions go first past it). */
  cacheMaxBytes?: number
  /** Devices in order of preference, e.g. `['cpu', 'wasm']` (default: every device the backends offer). */
  backends?: BackendName[]
  /** Requests waiting per model before QUEUE_FULL: 429 / RESOURCE_EXHAUSTED (default 128). */
  maxQueue?: number
  /** The live-session pool: count, bytes, idle time (lowest call rate released first, never a busy one). */
  sessions?: SessionPoolOptions
  /** fetch for the registry (tests, proxies). */
  fetch?: typeof fetch
}

export interface LoadOptions {
  /** Batching for this model instead of the manifest's (`false`: none). */
  batching?: Batching | false
  signal?: AbortSignal
}

/** A loaded model version, as the server sees it. */
export interface LoadedModel {
  readonly name: string
  readonly version: number
  readonly manifest: Manifest
  /** The device it runs on now (`cpu`, `cuda`, `webgpu`, `wasm`). */
  readonly backend: BackendName
  /** Why it is not on its first device, if it is not. */
  readonly fallback: { from: string; reason: string } | null
  /** Batching in effect (null: one request per run). */
  readonly batching: Batching | null
  readonly bytes: number
}

/** One loaded version's live state. */
export interface EngineStat {
  name: string
  version: number
  backend: BackendName
  /** Requests waiting in its queue. */
  queued: number
  /** Whether its session is in memory now (the pool releases idle or unwanted ones). */
  live: boolean
  bytes: number
  /** Recent calls per minute. */
  callsPerMin: number
}

/** Engine events: `inference` carries `batch`, `queueMs` (its first request's) and `computeMs` per run. */
export type EngineEvent = TelemetryEvent

/** What one request got: its outputs, and its own queue wait with its batch's compute time. */
export interface RunOutput {
  outputs: Record<string, Tensor>
  timing: RunTiming
}

/** What the server needs from an engine. */
export interface EdgeEngine {
  /** Short description for logs and server metadata. */
  readonly description: string
  /** Loads (or finds) `name` at a version number or alias. */
  load(name: string, version: number | string, options?: LoadOptions): Promise<LoadedModel>
  /** Runs one request through the model's queue; `signal` cancels it while it waits. */
  run(
    model: LoadedModel,
    inputs: Record<string, Tensor>,
    options?: { signal?: AbortSignal },
  ): Promise<RunOutput>
  /** Frees this handle; the version's session goes when no handle uses it. */
  unload(model: LoadedModel): Promise<void>
  stats(): Promise<EngineStat[]>
  /** Adds an event listener; returns its remover. */
  onEvent(fn: (e: EngineEvent) => void): () => void
  close(): Promise<void>
}

interface Handle extends LoadedModel {
  handle: number
  backend: BackendName
  fallback: { from: string; reason: string } | null
}

/** onnxruntime-web's WASM: what any host can run. */
const wasmOnly = (): Backend[] => [ortWeb({ load: () => import('onnxruntime-web'), devices: ['wasm'] })]

/** Creates the engine (it starts once its backends are ready). */
export function createEdgeEngine(options: EngineOptions): EdgeEngine {
  const listeners = new Set<(e: EngineEvent) => void>()
  const cacheOptions = options.cacheMaxBytes ? { maxBytes: options.cacheMaxBytes } : {}
  const cache =
    options.cache ??
    (options.cacheDir
      ? createModelCache({ driver: createFsDriver({ dir: options.cacheDir }), ...cacheOptions })
      : createModelCache(cacheOptions))
  const given = options.engineBackends
  const backends = Promise.resolve(typeof given === 'function' ? given() : (given ?? wasmOnly()))
  const engine: Promise<EngineApi> = backends.then((b) =>
    createEngine({
      registry: options.registry,
      fetch: options.fetch ?? fetch.bind(globalThis),
      cache,
      backends: b,
      ...(options.backends ? { devices: options.backends } : {}),
      ...(options.maxQueue ? { maxQueue: options.maxQueue } : {}),
      ...(options.sessions ? { sessions: options.sessions } : {}),
      emit: (events) => {
        for (const e of events) for (const fn of listeners) fn(e)
      },
    }),
  )
  let nextCall = 1
  /** `f` with a call id that `signal` aborts. */
  const abortable = async <T>(
    signal: AbortSignal | undefined,
    f: (e: EngineApi, callId?: number) => Promise<T>,
  ) => {
    const e = await engine
    if (!signal) return f(e)
    if (signal.aborted) throw new FerryError('ABORTED', 'the request was aborted')
    const callId = nextCall++
    const abort = () => e.abort(callId)
    signal.addEventListener('abort', abort, { once: true })
    try {
      return await f(e, callId)
    } finally {
      signal.removeEventListener('abort', abort)
    }
  }
  return {
    description: 'Ferry engine in-thread',
    async load(name, version, opts = {}) {
      const info = await abortable(opts.signal, (e, callId) =>
        e.load({
          name,
          version,
          ...(opts.batching !== undefined ? { batching: opts.batching } : {}),
          ...(callId !== undefined ? { callId } : {}),
        }),
      )
      const { manifest } = info
      const h: Handle = {
        handle: info.handle,
        name: manifest.name,
        version: manifest.version,
        manifest,
        backend: info.backend,
        fallback: info.fallback,
        batching: opts.batching === undefined ? (manifest.runtime?.batching ?? null) : opts.batching || null,
        bytes: manifest.files.reduce((n, f) => n + f.size, 0),
      }
      return h
    },
    async run(m, inputs, opts = {}) {
      const h = m as Handle
      const r = await abortable(opts.signal, (e, callId) => e.run(h.handle, inputs, callId))
      h.backend = r.backend
      h.fallback = r.fallback
      return { outputs: r.outputs, timing: r.timing }
    },
    unload: async (m) => (await engine).unload((m as Handle).handle),
    async stats() {
      return (await (await engine).sessions()).map((s) => ({
        name: s.name,
        version: s.version,
        backend: s.backend,
        queued: s.queued,
        live: s.state === 'ready',
        bytes: s.bytes,
        callsPerMin: s.callsPerMin,
      }))
    },
    onEvent(fn) {
      listeners.add(fn)
      return () => listeners.delete(fn)
    },
    close: async () => (await engine).close(),
  }
}
