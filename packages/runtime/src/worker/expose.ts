/** The worker side of the engine: exposes it over Comlink, sends errors as `{code, message}` and outputs as transferables. */
import * as Comlink from 'comlink'
import type { ModelCache } from '../cache/types.js'
import { createEngine } from '../engine/engine.js'
import type { EngineApi, EngineConfig, EngineDeps, Inputs, LoadRequest, Progress } from '../engine/types.js'
import { buffersOf, toWire } from '../engine/wire.js'
import { importCache } from './cache-bridge.js'
import { serveRuns } from './run-port.js'

/** What the main thread calls on the worker: the engine, plus `init`. */
export type WorkerApi = Omit<EngineApi, 'cache'> & {
  /** Starts the engine; runs and events travel on `runPort` (see run-port.ts). */
  init(config: EngineConfig, runPort: MessagePort, cache?: ModelCache): void
  cache(op: string, name?: string, version?: number): Promise<unknown>
}

const guard = async <T>(f: () => Promise<T>): Promise<T> => {
  try {
    return await f()
  } catch (err) {
    // thrown as a plain object so Comlink clones it whole and `code` survives
    throw toWire(err)
  }
}

/** Builds the worker API around an engine factory (exported for tests over a MessageChannel). */
export function workerApi(
  loadOrt: EngineDeps['loadOrt'],
  defaults: Partial<EngineConfig> = {},
  hostDeps: { fetch?: typeof fetch } = {},
): WorkerApi {
  let engine: EngineApi | undefined
  let bye = () => {}
  const e = () => {
    if (!engine) throw toWire(new Error('engine not initialized'))
    return engine
  }
  return {
    init(config, runPort, cache) {
      const port = serveRuns(runPort, e)
      bye = port.bye
      const emit = port.emit
      engine = createEngine(
        { ...defaults, ...config },
        {
          ...hostDeps,
          loadOrt,
          emit,
          ...(cache ? { cache: importCache(cache as never) } : {}),
        },
      )
    },
    load: (req: LoadRequest, onProgress?: (p: Progress) => void) =>
      guard(() => e().load(req, onProgress ? (p) => void onProgress(p) : undefined)),
    // Kept for completeness; the page uses the run port.
    run: (handle: number, inputs: Inputs, callId?: number) =>
      guard(async () => {
        const r = await e().run(handle, inputs, callId)
        return Comlink.transfer(r, buffersOf(r.outputs))
      }),
    abort: (callId: number) => engine?.abort(callId),
    unload: (handle: number) => guard(() => e().unload(handle)),
    sessions: () => guard(() => e().sessions()),
    cache: (op: string, name?: string, version?: number) =>
      guard(() => e().cache(op as 'list', name, version)),
    close: () =>
      guard(async () => {
        await engine?.close()
        bye()
      }),
  }
}

/** Exposes the engine on `endpoint` (the worker's global scope, or a MessagePort in tests). */
export function exposeEngine(
  endpoint: Comlink.Endpoint,
  loadOrt: EngineDeps['loadOrt'],
  defaults: Partial<EngineConfig> = {},
  hostDeps: { fetch?: typeof fetch } = {},
): void {
  Comlink.expose(workerApi(loadOrt, defaults, hostDeps), endpoint)
}
