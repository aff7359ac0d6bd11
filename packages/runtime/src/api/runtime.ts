/**
 * The main-thread runtime: `createRuntime` starts the engine (in a Worker through Comlink, or in-thread),
 * hands out Model objects, turns wire errors back into FerryErrors, and fans engine events out.
 */
import { FerryError, type TelemetryEvent } from '@ferry/protocol'
import * as Comlink from 'comlink'
import type { ModelCache } from '../cache/types.js'
import type { EngineApi, EngineConfig, Inputs, ModelInfo, Progress, TestHooks } from '../engine/types.js'
import { buffersOf, copyInputs, fromWire, runtimeClosed } from '../engine/wire.js'
import { type Capabilities, detectCapabilities } from '../platform/env.js'
import { createTelemetry } from '../telemetry/index.js'
import { exportCache } from '../worker/cache-bridge.js'
import type { WorkerApi } from '../worker/expose.js'
import { type Channel, runClient } from '../worker/run-port.js'
import type { Ferry, LoadOptions, Model, RunOptions, RuntimeOptions } from './types.js'

/** How a build starts its engine (bundler/Node entry vs. the script-tag build differ only here). */
export interface Platform {
  /** Starts the engine worker (or any Comlink endpoint serving it), or is absent where there are no workers. */
  startWorker?: () => WorkerLike
  /** Overrides capability detection of Workers (tests run the worker API over a MessageChannel). */
  workers?: boolean
  /** Creates the engine in this thread. */
  localEngine(
    config: EngineConfig,
    deps: { fetch?: typeof fetch; cache?: ModelCache; emit: (e: TelemetryEvent[]) => void },
  ): Promise<EngineApi>
}

/** A Worker, or a MessagePort in tests. */
export type WorkerLike = Comlink.Endpoint & Channel & { terminate?(): void }

const isCache = (c: unknown): c is ModelCache =>
  typeof c === 'object' && c !== null && typeof (c as ModelCache).get === 'function'

const aborted = () => new FerryError('ABORTED', 'the request was aborted')

/** Settles with `p`, or rejects ABORTED as soon as `signal` aborts (calling `onAbort` once). */
function withSignal<T>(p: Promise<T>, signal: AbortSignal | undefined, onAbort: () => void): Promise<T> {
  if (!signal) return p
  if (signal.aborted) {
    p.catch(() => {}) // settles after the engine saw the abort; its answer is no longer wanted
    onAbort()
    return Promise.reject(aborted())
  }
  return new Promise<T>((resolve, reject) => {
    const stop = () => {
      onAbort()
      reject(aborted())
    }
    signal.addEventListener('abort', stop, { once: true })
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', stop))
  })
}

/** Creates a runtime on `platform`; see RuntimeOptions. */
export function createRuntimeWith(platform: Platform, options: RuntimeOptions): Ferry {
  if (!options || typeof options.registry !== 'string')
    throw new FerryError('BAD_REQUEST', 'createRuntime needs { registry: "<registry URL>" }')
  const capabilities: Readonly<Capabilities> = detectCapabilities()
  const globalHooks = (globalThis as { __FERRY_TEST_HOOKS__?: TestHooks }).__FERRY_TEST_HOOKS__
  const cacheInstance = isCache(options.cache) ? options.cache : undefined
  const config: EngineConfig = {
    registry: new URL(options.registry, (globalThis as { location?: { href: string } }).location?.href).href,
    ...(options.backends ? { backends: options.backends } : {}),
    ...(options.wasmPaths ? { wasmPaths: options.wasmPaths } : {}),
    ...(options.numThreads ? { numThreads: options.numThreads } : {}),
    ...(options.maxQueue ? { maxQueue: options.maxQueue } : {}),
    ...(options.sessions ? { sessions: options.sessions } : {}),
    ...(options.cache && !cacheInstance ? { cacheOptions: options.cache as Record<string, unknown> } : {}),
    ...(options.testHooks || globalHooks ? { testHooks: { ...globalHooks, ...options.testHooks } } : {}),
  }
  const want = options.worker ?? 'auto'
  const canWork = platform.startWorker !== undefined && (platform.workers ?? capabilities.workers)
  if (want === true && !canWork)
    throw new FerryError('BAD_REQUEST', 'worker: true, but this environment cannot start a module Worker')
  let inWorker = want === true || (want === 'auto' && canWork && !options.fetch)

  const listeners = new Set<(e: TelemetryEvent) => void>()
  if (options.onEvent) listeners.add(options.onEvent)
  // Telemetry (issue 5): engine events also go to the reporter; `telemetry: false` turns it off.
  const telemetry = createTelemetry(options.telemetry, {
    registry: config.registry,
    env: capabilities.env,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  })
  const sink = (events: TelemetryEvent[]) => {
    telemetry?.record(events)
    for (const e of events)
      for (const fn of listeners)
        try {
          fn(e)
        } catch {
          // one failing listener must not starve the others
        }
  }

  let worker: WorkerLike | undefined
  let runTransfer: ReturnType<typeof runClient>['run'] | undefined
  const startLocal = () =>
    platform.localEngine(config, {
      emit: sink,
      ...(options.fetch ? { fetch: options.fetch } : {}),
      ...(cacheInstance ? { cache: cacheInstance } : {}),
    })
  const startWorker = (w: WorkerLike): Promise<EngineApi> => {
    // Runs take the worker's own channel (the cheaper one, see run-port.ts); Comlink gets a port.
    const { port1, port2 } = new MessageChannel()
    w.postMessage({ control: port2 }, [port2])
    const remote = Comlink.wrap<WorkerApi>(port1)
    const fast = runClient(w, sink)
    // A Comlink call whose answer had not come when the channel closed would never settle: each one
    // also ends with the runtime (runs: runClient rejects its own).
    let end: (e: unknown) => void = () => {}
    const ended = new Promise<never>((_, reject) => {
      end = reject
    })
    ended.catch(() => {})
    const settle = <T>(p: Promise<T>) => Promise.race([p, ended])
    const api: EngineApi = {
      load: (req, onProgress) => settle(remote.load(req, onProgress)),
      run: (handle, inputs, callId) => fast.run(handle, inputs, callId),
      abort: (callId) => fast.abort(callId),
      unload: (handle) => settle(remote.unload(handle)),
      sessions: () => settle(remote.sessions()),
      cache: ((op: string, name?: string, version?: number) =>
        settle(remote.cache(op, name, version))) as EngineApi['cache'],
      close: async () => {
        await remote.close()
        await fast.closed()
        port1.close()
        end(runtimeClosed())
      },
    }
    runTransfer = fast.run
    // A worker script that fails to load (404, CORS, CSP) fires `error` and would never answer `init`.
    let onError: (e: Event) => void = () => {}
    const failed = new Promise<never>((_, reject) => {
      onError = (e) =>
        reject(
          new FerryError(
            'BACKEND_UNAVAILABLE',
            `the engine worker failed to start: ${(e as ErrorEvent).message || 'could not load its script'}`,
          ),
        )
      w.addEventListener('error', onError as never)
    })
    const init = Promise.resolve(remote.init(config, cacheInstance ? exportCache(cacheInstance) : undefined))
    return Promise.race([init, failed]).then(
      () => {
        w.removeEventListener('error', onError as never)
        return api
      },
      (err) => {
        w.removeEventListener('error', onError as never)
        throw err
      },
    )
  }
  if (inWorker) {
    try {
      worker = (platform.startWorker as () => WorkerLike)()
    } catch (err) {
      // `worker: 'auto'`: a page whose policy forbids workers still gets an (in-thread) engine
      if (want === true)
        throw new FerryError('BACKEND_UNAVAILABLE', `could not start the engine worker: ${err}`)
      inWorker = false
    }
  }
  const engine: Promise<EngineApi> = worker ? startWorker(worker) : startLocal()
  // Keep an unobserved init failure from surfacing as an unhandled rejection; each call reports it.
  engine.catch(() => {})

  let closed = false
  let nextCall = 1
  const call = async <T>(f: (e: EngineApi) => Promise<T>): Promise<T> => {
    if (closed) throw runtimeClosed()
    try {
      return await f(await engine)
    } catch (err) {
      throw fromWire(err)
    }
  }

  const makeModel = (info: ModelInfo): Model => {
    const { handle } = info
    const model = {
      name: info.name,
      version: info.version,
      backend: info.backend,
      fallback: info.fallback,
      inputs: info.inputs,
      outputs: info.outputs,
      manifest: info.manifest,
      async run(inputs: Inputs, opts: RunOptions = {}) {
        const callId = opts.signal ? nextCall++ : undefined
        const send = runTransfer
        // To the worker, inputs travel as transfers: the caller's own buffers with `transfer`, else copies.
        const p = send
          ? call(() => {
              const [sent, buffers] = opts.transfer ? [inputs, buffersOf(inputs)] : copyInputs(inputs)
              return send(handle, sent, callId, buffers)
            })
          : call((e) => e.run(handle, inputs, callId))
        const r = await withSignal(p, opts.signal, () => void engine.then((e) => e.abort(callId as number)))
        model.backend = r.backend
        model.fallback = r.fallback
        return r.outputs
      },
      unload: () => call((e) => e.unload(handle)),
    }
    return model
  }

  return {
    capabilities,
    inWorker,
    async load(name: string, opts: LoadOptions = {}) {
      const callId = nextCall++
      // Progress crosses on its own channel, so it may trail the load's answer: drop late reports and
      // make sure 'ready' comes last.
      const user = opts.onProgress
      let done = false
      let last: Progress | undefined
      const onProgress = user
        ? (p: Progress) => {
            if (done) return
            last = p
            user(p)
          }
        : undefined
      const progress = onProgress && inWorker ? Comlink.proxy(onProgress) : onProgress
      const req = {
        name,
        callId,
        ...(opts.version !== undefined ? { version: opts.version } : {}),
        ...(opts.backend ? { backend: opts.backend } : {}),
      }
      const p = call((e) => e.load(req, progress))
      try {
        const info = await withSignal(p, opts.signal, () => void engine.then((e) => e.abort(callId)))
        if (user && last?.phase !== 'ready') {
          const total = info.manifest.files.reduce((n, f) => n + f.size, 0)
          user({ phase: 'ready', loaded: total, total })
        }
        return makeModel(info)
      } finally {
        done = true
      }
    },
    cache: {
      list: () => call((e) => e.cache('list')),
      delete: (name, version) => call((e) => e.cache('delete', name, version)) as Promise<void>,
      pin: (name, version) => call((e) => e.cache('pin', name, version)) as Promise<void>,
      unpin: (name, version) => call((e) => e.cache('unpin', name, version)) as Promise<void>,
      clear: () => call((e) => e.cache('clear')) as Promise<void>,
      estimate: () => call((e) => e.cache('estimate')),
    },
    sessions: () => call((e) => e.sessions()),
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
      if (worker?.terminate) worker.terminate()
      else worker?.close?.()
      await telemetry?.close() // flushes what is pending (bounded wait)
    },
  }
}
