/**
 * The page side of the engine worker, as an EngineApi: starts the worker, serves it the page's cache
 * when there is one, and survives the worker's death. A worker that dies (out of memory, a crash: its
 * lifeline lock is released) fails the calls in flight with WORKER_CRASHED; the next call starts a new
 * worker and loads on demand the models this page had loaded. A model that was in flight in three
 * crashes within a minute is MODEL_TOO_LARGE for this device.
 */
import { FerryError, type TelemetryEvent } from '@ferry/protocol'
import type { ModelCache } from '../cache/types.js'
import type { EngineApi, LoadRequest, RunResult } from '../engine/types.js'
import { runtimeClosed } from '../engine/wire.js'
import type { Inputs } from '../tensors/tensor.js'
import { servePageCache } from './page-cache.js'
import type { PageCalls, WorkerCalls, WorkerInit } from './protocol.js'
import { type Channel, Rpc } from './rpc.js'

/** A Worker (or, in tests, a MessagePort with the same events). */
export interface WorkerLike extends Channel {
  terminate?(): void
  addEventListener(type: 'error', fn: (e: Event) => void): void
  removeEventListener(type: 'error', fn: (e: Event) => void): void
}

export interface WorkerClientOptions {
  /** Starts a fresh engine worker. */
  start(): WorkerLike
  init: Omit<WorkerInit, 'lifeline'>
  /** The page's own bytes cache, served to the worker (`init.cache` is then `'page'`). */
  cache?: ModelCache | undefined
  emit(events: TelemetryEvent[]): void
  /** Calls `gone` once the lock `name` the worker holds is released (it died); returns a stop function. */
  watch?: ((name: string, gone: () => void) => () => void) | undefined
}

/** Crashes of one model within this window count towards MODEL_TOO_LARGE. */
const CRASH_WINDOW_MS = 60_000
const MAX_CRASHES = 3

interface Generation {
  rpc: Rpc<PageCalls, WorkerCalls>
  worker: WorkerLike
  ready: Promise<void>
  dead: boolean
  stopWatch: () => void
  /** Models with a call in flight, by name. */
  busy: Map<string, number>
}

interface Handle {
  req: LoadRequest
  remote: number
  gen: Generation
}

/** An EngineApi over engine workers (see the module comment). */
export function workerEngine(
  opts: WorkerClientOptions,
): EngineApi & { run(h: number, i: Inputs, c?: number, transfer?: Transferable[]): Promise<RunResult> } {
  let closed = false
  let nextHandle = 1
  const handles = new Map<number, Handle>()
  const crashes = new Map<string, number[]>()

  const start = (): Generation => {
    const worker = opts.start()
    const rpc = new Rpc<PageCalls, WorkerCalls>(
      worker,
      opts.cache ? servePageCache(opts.cache) : {},
      (events) => opts.emit(events),
    )
    const lifeline = opts.watch ? `ferry-engine:${crypto.randomUUID()}` : undefined
    const g: Generation = {
      rpc,
      worker,
      ready: Promise.resolve(),
      dead: false,
      stopWatch: () => {},
      busy: new Map(),
    }
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
      worker.addEventListener('error', onError)
    })
    const init = rpc.call('init', [{ ...opts.init, ...(lifeline ? { lifeline } : {}) }])
    g.ready = Promise.race([init, failed]).finally(() => worker.removeEventListener('error', onError))
    g.ready.then(
      () => {
        if (lifeline && opts.watch) g.stopWatch = opts.watch(lifeline, () => crashed(g))
      },
      () => {
        if (current === g) current = undefined
        g.dead = true
        worker.terminate?.()
      },
    )
    return g
  }

  // Started now: a host that cannot start a worker (a CSP) throws here, and the runtime runs in-thread.
  let current: Generation | undefined = start()

  const crashed = (g: Generation) => {
    if (g.dead) return
    g.dead = true
    if (current === g) current = undefined
    const now = Date.now()
    for (const name of g.busy.keys()) {
      if (!name) continue
      const recent = (crashes.get(name) ?? []).filter((t) => now - t < CRASH_WINDOW_MS)
      crashes.set(name, [...recent, now])
    }
    g.rpc.close(new FerryError('WORKER_CRASHED', 'the engine worker died (out of memory?); retry'))
    g.worker.terminate?.()
  }

  const tooLarge = (name: string) => {
    const now = Date.now()
    const n = (crashes.get(name) ?? []).filter((t) => now - t < CRASH_WINDOW_MS).length
    if (n >= MAX_CRASHES)
      throw new FerryError(
        'MODEL_TOO_LARGE',
        `"${name}" was running in ${n} engine worker crashes within a minute: too large for this device`,
      )
  }

  /** Runs `f` on the live worker, counting `name` busy there meanwhile. */
  const on = async <T>(name: string | null, f: (g: Generation) => Promise<T>): Promise<T> => {
    if (name) tooLarge(name)
    if (closed) throw runtimeClosed()
    current ??= start()
    const g = current
    await g.ready
    const n = name ?? ''
    g.busy.set(n, (g.busy.get(n) ?? 0) + 1)
    try {
      return await f(g)
    } finally {
      const left = (g.busy.get(n) as number) - 1
      left ? g.busy.set(n, left) : g.busy.delete(n)
    }
  }

  /** The worker-side handle of `h` on `g`, loading its model there again after a restart. */
  const remote = async (h: Handle, g: Generation): Promise<number> => {
    if (h.gen !== g) {
      h.remote = (await g.rpc.call('load', [h.req])).handle
      h.gen = g
    }
    return h.remote
  }

  return {
    resolve: (n, v) => on(null, (g) => g.rpc.call('resolve', [n, v])),
    load: (req, onProgress) =>
      on(req.name, async (g) => {
        const info = await g.rpc.call('load', [req], { progress: onProgress as (p: unknown) => void })
        const handle = nextHandle++
        const { callId: _, ...again } = req
        handles.set(handle, {
          req: { ...again, version: info.manifest.version },
          remote: info.handle,
          gen: g,
        })
        return { ...info, handle }
      }),
    run(handle: number, inputs: Inputs, callId?: number, transfer?: Transferable[]) {
      const h = handles.get(handle)
      if (!h)
        return Promise.reject(new FerryError('MODEL_UNLOADED', 'this model was unloaded; load it again'))
      // No await before the post when the model is loaded on this worker already (the usual case).
      return on(h.req.name, async (g) =>
        g.rpc.call('run', [h.gen === g ? h.remote : await remote(h, g), inputs, callId], { transfer }),
      )
    },
    abort: (callId) => void current?.rpc.call('abort', [callId]).catch(() => {}),
    async unload(handle) {
      const h = handles.get(handle)
      handles.delete(handle)
      if (h && !h.gen.dead && !closed) await h.gen.rpc.call('unload', [h.remote])
    },
    sessions: () => on(null, (g) => g.rpc.call('sessions', [])),
    cache: {
      list: () => on(null, (g) => g.rpc.call('cacheList', [])),
      delete: (n, v) => on(null, (g) => g.rpc.call('cacheDelete', [n, v])),
      pin: (n, v) => on(null, (g) => g.rpc.call('cachePin', [n, v])),
      unpin: (n, v) => on(null, (g) => g.rpc.call('cacheUnpin', [n, v])),
      clear: () => on(null, (g) => g.rpc.call('cacheClear', [])),
      estimate: () => on(null, (g) => g.rpc.call('cacheEstimate', [])),
    },
    async close() {
      if (closed) return
      closed = true
      const g = current
      current = undefined
      if (!g) return
      g.dead = true
      g.stopWatch()
      // The worker flushes its last events before it answers; a dead one gets a second at most.
      await Promise.race([
        g.ready.then(() => g.rpc.call('close', [])).catch(() => {}),
        new Promise((r) => setTimeout(r, 1000)),
      ])
      g.rpc.close()
      g.worker.close?.()
      g.worker.terminate?.()
    },
  }
}
