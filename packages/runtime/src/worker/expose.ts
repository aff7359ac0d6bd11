/** The worker side of the engine: exposes it over Comlink, sends errors as `{code, message}` and outputs as transferables. */
import * as Comlink from 'comlink'
import type { ModelCache } from '../cache/types.js'
import { createEngine } from '../engine/engine.js'
import type { EngineApi, EngineConfig, EngineDeps, Inputs, LoadRequest, Progress } from '../engine/types.js'
import { buffersOf, toWire } from '../engine/wire.js'
import { importCache } from './cache-bridge.js'
import { type Channel, serveRuns } from './run-port.js'

/** What the main thread calls on the worker: the engine, plus `init`. */
export type WorkerApi = Omit<EngineApi, 'cache'> & {
  /** Starts the engine; runs and events travel on the worker's own channel (see run-port.ts). */
  init(config: EngineConfig, cache?: ModelCache): void
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

/** Builds the worker API around an engine factory, serving runs on `runs` (see run-port.ts). */
function workerApi(
  runs: Channel,
  loadOrt: EngineDeps['loadOrt'],
  defaults: Partial<EngineConfig>,
  hostDeps: { fetch?: typeof fetch },
): WorkerApi {
  let engine: EngineApi | undefined
  const e = () => {
    if (!engine) throw toWire(new Error('engine not initialized'))
    return engine
  }
  const { emit, bye } = serveRuns(runs, e)
  return {
    init(config, cache) {
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

/**
 * Serves the engine on `endpoint` (the worker's global scope, or a MessagePort in tests): runs on the
 * endpoint itself, everything else over Comlink on the port the page hands over first (`{ control }`).
 */
export function exposeEngine(
  endpoint: Comlink.Endpoint & Channel,
  loadOrt: EngineDeps['loadOrt'],
  defaults: Partial<EngineConfig> = {},
  hostDeps: { fetch?: typeof fetch } = {},
): void {
  const api = workerApi(endpoint, loadOrt, defaults, hostDeps)
  endpoint.addEventListener('message', (ev) => {
    const port = (ev as MessageEvent).data?.control
    if (port) Comlink.expose(api, port)
  })
}
