/**
 * The worker side: serves the engine's calls on the worker's channel (its global scope). The engine is
 * built on `init` by the host's factory (see platform/worker.ts); with `cache: 'page'` its bytes cache is
 * the page's own, reached over the same channel.
 */
import type { TelemetryEvent } from '@ferry/protocol'
import type { ModelCache } from '../cache/types.js'
import type { EngineApi } from '../engine/types.js'
import { buffersOf, toWire } from '../engine/wire.js'
import { EventRpc } from './event-rpc.js'
import { pageCache } from './page-cache.js'
import type { PageCalls, WorkerCalls, WorkerInit } from './protocol.js'
import type { Channel } from './rpc.js'

/** Builds the engine for `init`: `cache` is the page's when it asked for that, `emit` sends events to it. */
export type EngineFactory = (
  init: WorkerInit,
  parts: { cache?: ModelCache; emit: (events: TelemetryEvent[]) => void },
) => EngineApi | Promise<EngineApi>

/** Holds the lock `name` for the worker's life, so the page can tell when it is gone; resolves once held. */
export type Lifeline = (name: string) => Promise<void>

/** Serves the engine on `channel` until the page closes it. */
export function serveEngine(channel: Channel, factory: EngineFactory, lifeline?: Lifeline): void {
  let engine: Promise<EngineApi> | undefined
  const e = () => {
    if (!engine) throw toWire(new Error('engine not initialized'))
    return engine
  }
  const rpc: EventRpc<WorkerCalls, PageCalls> = new EventRpc<WorkerCalls, PageCalls>(channel, {
    async init(init) {
      if (init.lifeline) await lifeline?.(init.lifeline)
      const emit = (events: TelemetryEvent[]) => rpc.emit(events)
      engine = Promise.resolve(
        factory(init, { emit, ...(init.cache === 'page' ? { cache: pageCache(rpc) } : {}) }),
      )
      await engine
    },
    resolve: async (n, v) => (await e()).resolve(n, v),
    load: async (req, ctx) => (await e()).load(req, (p) => ctx.progress(p)),
    async run(handle, inputs, callId, ctx) {
      const r = await (await e()).run(handle, inputs, callId)
      ctx.transfer.push(...buffersOf(r.outputs))
      return r
    },
    abort: async (callId) => (await engine)?.abort(callId),
    unload: async (handle) => (await e()).unload(handle),
    sessions: async () => (await e()).sessions(),
    cacheList: async () => (await e()).cache.list(),
    cacheDelete: async (n, v) => (await e()).cache.delete(n, v),
    cachePin: async (n, v) => (await e()).cache.pin(n, v),
    cacheUnpin: async (n, v) => (await e()).cache.unpin(n, v),
    cacheClear: async () => (await e()).cache.clear(),
    cacheEstimate: async () => (await e()).cache.estimate(),
    async close() {
      await (await engine)?.close()
      // Events the close itself emitted go before its answer.
      rpc.flush()
    },
  })
}
