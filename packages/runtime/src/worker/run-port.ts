/**
 * The hot path between the page and the worker: `run` calls, aborts and engine events travel as bare
 * messages on the worker's own channel (`worker.postMessage` / the worker's global scope), without
 * Comlink's per-call bookkeeping (measured: Comlink added ~0.15 ms per call over a 0.03 ms postMessage
 * round trip); Comlink has a MessagePort of its own. In Chromium, a round trip on the worker's own channel
 * took 5-10 µs less than on a MessagePort around a short call and ~45 µs less around a 6 ms one (its
 * wake-ups are cheaper). Other messages on that channel are ignored (the Comlink port's handover).
 * Events ride on the next run's answer (so a run's `inference` event arrives with its result, before
 * the page can go away), or on their own message: at the next macrotask when no run is in flight, else
 * within 100 ms (a timer firing after each run slowed the next call by ~10 µs of a ~0.1 ms round trip).
 */
import type { TelemetryEvent } from '@ferry/protocol'
import type { EngineApi, Inputs, RunResult } from '../engine/types.js'
import { buffersOf, runtimeClosed, toWire } from '../engine/wire.js'

type ToWorker =
  | { id: number; handle: number; inputs: Inputs; callId?: number; abort?: undefined }
  | { abort: number }

/** A Worker, the worker's global scope, or a MessagePort (tests): what the run path talks through. */
export interface Channel {
  postMessage(message: unknown, transfer?: Transferable[]): void
  onmessage: ((ev: MessageEvent) => unknown) | null
  close?(): void
}

type ToPage =
  | {
      id: number
      o: RunResult['outputs']
      b: RunResult['backend']
      f: RunResult['fallback']
      ev?: TelemetryEvent[]
    }
  | { id: number; e: { code: string; message: string }; ev?: TelemetryEvent[] }
  | { ev: TelemetryEvent[] }
  | { bye: true }

/**
 * Worker side: serves runs from `engine` on `port`. Returns the event sink that posts to the page, and
 * `bye()`, which tells the page that nothing follows (sent after the engine flushed its last events; the
 * page closes the channel: `close()` on a worker's global scope would end the worker before it answers).
 */
export function serveRuns(
  port: Channel,
  engine: () => EngineApi,
): { emit: (events: TelemetryEvent[]) => void; bye: () => void } {
  let events: TelemetryEvent[] = []
  let scheduled = false
  let running = 0
  const take = () => {
    const ev = events
    events = []
    return ev.length > 0 ? { ev } : {}
  }
  const flush = () => {
    scheduled = false
    if (events.length > 0) post(take() as ToPage)
  }
  const post = (m: ToPage, transfer: Transferable[] = []) => port.postMessage(m, transfer)
  port.onmessage = async ({ data }: MessageEvent<ToWorker>) => {
    if (data?.abort) return engine().abort(data.abort)
    if (!data || !('handle' in data)) return
    running++
    try {
      const r = await engine().run(data.handle, data.inputs, data.callId)
      post({ id: data.id, o: r.outputs, b: r.backend, f: r.fallback, ...take() }, buffersOf(r.outputs))
    } catch (err) {
      post({ id: data.id, e: toWire(err), ...take() })
    } finally {
      running--
    }
  }
  return {
    emit: (ev) => {
      events.push(...ev)
      if (scheduled) return
      scheduled = true
      setTimeout(flush, running > 0 ? 100 : 0)
    },
    bye: () => {
      flush()
      post({ bye: true })
    },
  }
}

/** Page side: `run`/`abort` over `port`, and engine events handed to `sink`. */
export function runClient(port: Channel, sink: (events: TelemetryEvent[]) => void) {
  let next = 1
  const pending = new Map<number, { resolve(r: RunResult): void; reject(e: unknown): void }>()
  let bye: () => void = () => {}
  const closed = new Promise<void>((resolve) => {
    bye = resolve
  })
  port.onmessage = ({ data }: MessageEvent<ToPage>) => {
    if ('ev' in data && data.ev) sink(data.ev)
    if (!('id' in data)) {
      if (!('bye' in data)) return
      port.close?.()
      return bye()
    }
    const p = pending.get(data.id)
    pending.delete(data.id)
    if ('o' in data) p?.resolve({ outputs: data.o, backend: data.b, fallback: data.f })
    else p?.reject(data.e)
  }
  return {
    run(handle: number, inputs: Inputs, callId?: number, transfer?: Transferable[]): Promise<RunResult> {
      const id = next++
      return new Promise<RunResult>((resolve, reject) => {
        pending.set(id, { resolve, reject })
        const m: ToWorker = { id, handle, inputs }
        if (callId !== undefined) m.callId = callId
        port.postMessage(m, transfer ?? [])
      })
    },
    abort(callId: number): void {
      port.postMessage({ abort: callId })
    },
    /**
     * Resolves once the worker said bye (its last events have arrived), or after `ms`; runs still
     * unanswered then (the worker went first) reject with RUNTIME_CLOSED.
     */
    async closed(ms = 1000): Promise<void> {
      let timer: ReturnType<typeof setTimeout> | undefined
      await Promise.race([closed, new Promise((r) => (timer = setTimeout(r, ms)))])
      clearTimeout(timer)
      port.close?.()
      for (const p of pending.values()) p.reject(runtimeClosed())
      pending.clear()
    },
  }
}
