/**
 * The edge's one door to Ferry's engine: every load, run, unload, stat and engine event goes through the
 * small `EdgeEngine` interface below, so swapping what implements it touches this file only.
 *
 * Today it is built on the runtime's public in-thread API (`createRuntime({ worker: false })`): models run
 * on onnxruntime-web (WASM, and WebGPU on Deno where an adapter exists), bytes are verified and kept in the
 * runtime's cache (a folder through `createFsDriver`, or the platform default: the Cache API on Deno). The
 * runtime owns the per-model bounded queue (QUEUE_FULL), aborts (ABORTED), the dynamic batcher (manifest
 * `runtime.batching`) and the session budget; nothing here re-implements them.
 */
import type { BackendName, Manifest, TelemetryEvent } from '@ferry/protocol'
import {
  createFsDriver,
  createModelCache,
  createRuntime,
  type Ferry,
  type Model,
  type Tensor,
} from '@ferry/runtime'

export type { Tensor }

/** Dynamic batching for one model: rows per run and the longest wait for company. */
export interface Batching {
  maxBatchSize: number
  maxDelayMs: number
}

export interface EngineOptions {
  /** Registry base URL. */
  registry: string
  /** Folder for the verified bytes (fs cache). Absent: the platform default (the Cache API on Deno). */
  cacheDir?: string
  /** Cache budget in bytes (least recently used versions go first past it). */
  cacheMaxBytes?: number
  /** Backends in order of preference (default: the manifest's). */
  backends?: BackendName[]
  /** Requests waiting per model before QUEUE_FULL. */
  maxQueue?: number
  /** Live-session budget: idle sessions past it are released and re-created on their next run. */
  sessions?: { maxCount?: number; maxBytes?: number }
  /** fetch for the registry (tests, proxies). */
  fetch?: typeof fetch
}

export interface LoadOptions {
  /**
   * Batching for this model instead of the manifest's (`false`: none). Plumbed for the embeddable engine;
   * the in-thread runtime honours only the manifest's setting (`LoadedModel.batchingOverride` says so).
   */
  batching?: Batching | false
  signal?: AbortSignal
}

/** A loaded model version, as the server sees it. */
export interface LoadedModel {
  readonly name: string
  readonly version: number
  readonly manifest: Manifest
  /** The device it runs on now (`wasm`, `webgpu`, later `cpu`, `cuda`). */
  readonly backend: BackendName
  /** Why it is not on its first backend, if it is not. */
  readonly fallback: { from: string; reason: string } | null
  /** Batching in effect (null: one request per run). */
  readonly batching: Batching | null
  /** 'applied', or why a requested override is not in effect. */
  readonly batchingOverride: 'none' | 'applied' | 'unsupported-by-engine'
  readonly bytes: number
}

/** One loaded version's live state. */
export interface EngineStat {
  name: string
  version: number
  backend: BackendName
  /** Requests waiting in its queue. */
  queued: number
  /** Whether its session is in memory now (an idle one past the budget is released). */
  live: boolean
  bytes: number
}

/** Engine events: `inference` carries `batch`, `queueMs` and `computeMs` per run. */
export type EngineEvent = TelemetryEvent

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
  ): Promise<Record<string, Tensor>>
  /** Frees this handle; the version's session goes when no handle uses it. */
  unload(model: LoadedModel): Promise<void>
  stats(): Promise<EngineStat[]>
  /** Adds an event listener; returns its remover. */
  onEvent(fn: (e: EngineEvent) => void): () => void
  close(): Promise<void>
}

interface Handle extends LoadedModel {
  model: Model
}

/** Creates the engine on the runtime's in-thread API. */
export function createEdgeEngine(options: EngineOptions): EdgeEngine {
  const listeners = new Set<(e: EngineEvent) => void>()
  const cacheOptions = options.cacheMaxBytes ? { maxBytes: options.cacheMaxBytes } : {}
  const cache = options.cacheDir
    ? createModelCache({ driver: createFsDriver({ dir: options.cacheDir }), ...cacheOptions })
    : createModelCache(cacheOptions)
  const ferry: Ferry = createRuntime({
    registry: options.registry,
    worker: false,
    telemetry: false,
    cache,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.backends ? { backends: options.backends } : {}),
    ...(options.maxQueue ? { maxQueue: options.maxQueue } : {}),
    ...(options.sessions ? { sessions: options.sessions } : {}),
    onEvent: (e) => {
      for (const fn of listeners) fn(e)
    },
  })
  return {
    description: `Ferry runtime in-thread (onnxruntime-web${options.backends ? `: ${options.backends.join(', ')}` : ''})`,
    async load(name, version, opts = {}) {
      const model = await ferry.load(name, { version, ...(opts.signal ? { signal: opts.signal } : {}) })
      const manifest = model.manifest
      const own = manifest.runtime?.batching ?? null
      const h: Handle = {
        model,
        name: model.name,
        version: model.version,
        manifest,
        get backend() {
          return model.backend
        },
        get fallback() {
          return model.fallback
        },
        batching: own,
        batchingOverride: opts.batching === undefined ? 'none' : 'unsupported-by-engine',
        bytes: manifest.files.reduce((n, f) => n + f.size, 0),
      }
      return h
    },
    run: (m, inputs, opts = {}) =>
      (m as Handle).model.run(inputs, opts.signal ? { signal: opts.signal } : {}) as Promise<
        Record<string, Tensor>
      >,
    unload: (m) => (m as Handle).model.unload(),
    async stats() {
      return (await ferry.sessions()).map((s) => ({
        name: s.name,
        version: s.version,
        backend: s.backend,
        queued: s.queued,
        live: s.live,
        bytes: s.bytes,
      }))
    },
    onEvent(fn) {
      listeners.add(fn)
      return () => listeners.delete(fn)
    },
    close: () => ferry.close(),
  }
}
