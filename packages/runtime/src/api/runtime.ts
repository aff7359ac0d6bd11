/**
 * The public API: `createRuntime` hands out Model objects over an engine (in a worker or in this
 * thread, as the host decides), turns wire errors back into FerryErrors, and fans engine events out to
 * listeners and telemetry. With `edge`, loads that may use the edge go to the placement code (see
 * `placement/`), which the host loads only then.
 */
import { FerryError, type TelemetryEvent } from '@ferry/protocol'
import type { ModelCache } from '../cache/types.js'
import type { EngineConfig } from '../engine/types.js'
import { fromWire, runtimeClosed } from '../engine/wire.js'
import type { Capabilities } from '../platform/globals.js'
import { createTelemetry } from '../telemetry/index.js'
import { type EngineClient, makeModel } from './model.js'
import { withSignal } from './signal.js'
import type { Ferry, LoadOptions, Model, RuntimeOptions } from './types.js'

/** What the engine is built from, whichever thread it runs in. */
export interface EngineSettings {
  config: EngineConfig
  /** The caller's own bytes cache, or options for the platform's default one. */
  cache?: ModelCache
  cacheOptions?: Record<string, unknown>
  fetch?: typeof fetch
  /** ONNX Runtime Web's file location and WASM threads. */
  ort: { wasmPaths?: string; numThreads?: number }
  workerUrl?: string
  emit(events: TelemetryEvent[]): void
}

/** How a build starts its engine (see `platform/*`): bundlers, the script-tag build, Node and Deno differ here only. */
export interface RuntimeHost {
  capabilities: Readonly<Capabilities>
  /** The page's URL, against which a relative registry URL is resolved. */
  baseUrl?: string | undefined
  /** The engine in a worker (it throws where a worker cannot start); absent where there are no workers. */
  worker?: (settings: EngineSettings) => EngineClient
  /** The engine in this thread. */
  local(settings: EngineSettings): Promise<EngineClient>
  /** Loads the placement code (device or edge), used only with `edge`: its own file or chunk. */
  placement(): Promise<PlacementModule>
}

/** What the placement code gets from the runtime. */
export interface PlacementContext {
  /** Calls the engine (errors rebuilt as FerryErrors). */
  call<T>(f: (e: EngineClient) => Promise<T>): Promise<T>
  /** Loads on the device, as `load` does without an edge. */
  load(name: string, opts: LoadOptions): Promise<Model>
  emit(events: TelemetryEvent[]): void
  options: RuntimeOptions
  /** The page's URL, against which a relative edge URL is resolved. */
  baseUrl: string | undefined
  /** The error as this bundle's FerryError (the placement file may hold a copy of the class). */
  error(err: unknown): FerryError
}

/** The placement code's entry. */
export interface PlacementModule {
  loadPlaced(ctx: PlacementContext, name: string, opts: LoadOptions): Promise<Model>
}

const isCache = (c: unknown): c is ModelCache =>
  typeof c === 'object' && c !== null && typeof (c as ModelCache).get === 'function'

/** Creates a runtime on `host`; see RuntimeOptions. */
export function createRuntimeWith(host: RuntimeHost, options: RuntimeOptions): Ferry {
  if (!options || typeof options.registry !== 'string')
    throw new FerryError('BAD_REQUEST', 'createRuntime needs { registry: "<registry URL>" }')
  const { capabilities } = host
  const cache = isCache(options.cache) ? options.cache : undefined
  const config: EngineConfig = {
    registry: new URL(options.registry, host.baseUrl).href,
    ...(options.backends ? { devices: options.backends } : {}),
    ...(options.maxQueue ? { maxQueue: options.maxQueue } : {}),
    ...(options.sessions ? { sessions: options.sessions } : {}),
  }
  const want = options.worker ?? 'auto'
  const canWork = host.worker !== undefined && capabilities.workers
  if (want === true && !canWork)
    throw new FerryError('BAD_REQUEST', 'worker: true, but this environment cannot start a module Worker')

  const listeners = new Set<(e: TelemetryEvent) => void>()
  if (options.onEvent) listeners.add(options.onEvent)
  // Engine events also go to the fleet telemetry reporter; `telemetry: false` turns it off.
  const telemetry = createTelemetry(options.telemetry, {
    registry: config.registry,
    env: capabilities.env,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  })
  const emit = (events: TelemetryEvent[]) => {
    telemetry?.record(events)
    for (const e of events)
      for (const fn of listeners)
        try {
          fn(e)
        } catch {
          // one failing listener must not starve the others
        }
  }
  const settings: EngineSettings = {
    config,
    emit,
    ort: {
      ...(options.wasmPaths ? { wasmPaths: options.wasmPaths } : {}),
      ...(options.numThreads ? { numThreads: options.numThreads } : {}),
    },
    ...(cache ? { cache } : options.cache ? { cacheOptions: options.cache as Record<string, unknown> } : {}),
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.workerUrl ? { workerUrl: new URL(options.workerUrl, host.baseUrl).href } : {}),
  }

  let inWorker = want === true || (want === 'auto' && canWork && !options.fetch)
  let worker: EngineClient | undefined
  if (inWorker) {
    try {
      worker = host.worker?.(settings)
    } catch (err) {
      // `worker: 'auto'`: a page whose policy forbids workers still gets an (in-thread) engine
      if (want === true)
        throw new FerryError('BACKEND_UNAVAILABLE', `could not start the engine worker: ${err}`)
      inWorker = false
    }
  }
  const engine: Promise<EngineClient> = worker ? Promise.resolve(worker) : host.local(settings)
  // Keep an unobserved start failure from surfacing as an unhandled rejection; each call reports it.
  engine.catch(() => {})

  let closed = false
  let nextCall = 1
  const call = async <T>(f: (e: EngineClient) => Promise<T>): Promise<T> => {
    if (closed) throw runtimeClosed()
    try {
      return await f(await engine)
    } catch (err) {
      throw fromWire(err)
    }
  }
  const modelCtx = { call, inWorker, nextCallId: () => nextCall++ }
  // Fetched now: the first load need not wait for it.
  const placement = options.edge ? host.placement() : undefined
  placement?.catch(() => {})

  const load = async (name: string, opts: LoadOptions = {}): Promise<Model> => {
    if (placement && opts.placement !== 'device') {
      const ctx = { call, load, emit, options, baseUrl: host.baseUrl, error: fromWire }
      return (await placement).loadPlaced(ctx, name, opts)
    }
    if (opts.placement === 'edge')
      throw new FerryError('BAD_REQUEST', 'placement "edge" needs createRuntime({ edge })')
    const callId = nextCall++
    // (unset ones cross as undefined: the engine reads them as absent)
    const req = { name, callId, version: opts.version, backend: opts.backend, batching: opts.batching }
    const p = call((e) => e.load(req, opts.onProgress))
    const abort = () => void call(async (e) => e.abort(callId)).catch(() => {})
    return makeModel(await withSignal(p, opts.signal, abort), modelCtx)
  }

  return {
    capabilities,
    inWorker,
    load,
    cache: {
      list: () => call((e) => e.cache.list()),
      delete: (name, version) => call((e) => e.cache.delete(name, version)),
      pin: (name, version) => call((e) => e.cache.pin(name, version)),
      unpin: (name, version) => call((e) => e.cache.unpin(name, version)),
      clear: () => call((e) => e.cache.clear()),
      estimate: () => call((e) => e.cache.estimate()),
    },
    sessions: { list: () => call((e) => e.sessions()) },
    telemetry: { stats: () => telemetry?.reporter.stats() ?? { sent: 0, queued: 0, dropped: 0 } },
    on(type, fn) {
      if (type !== 'event') throw new FerryError('BAD_REQUEST', `unknown event type "${String(type)}"`)
      listeners.add(fn)
      return () => listeners.delete(fn)
    },
    async close() {
      if (closed) return
      try {
        await (await engine).close()
      } catch {
        // closing never fails
      }
      closed = true
      await telemetry?.close() // flushes what is pending (bounded wait)
    },
  }
}
