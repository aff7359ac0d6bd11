// Bench page script: a Ferry runtime whose worker is bench/browser/same-worker.ts, plus the raw baseline
// in that same worker. Built by bench/runtime-browser.mjs with esbuild; window.bench(specs) runs it.
import type { TelemetryEvent } from '@ferry/protocol'
import { createRuntimeWith } from '../../packages/runtime/src/api/runtime.js'
import { CLONE_MAX_BYTES } from '../../packages/runtime/src/engine/wire.js'
import { browserHost } from '../../packages/runtime/src/platform/browser.js'

// The page side exactly as ferry.js builds it (browserHost: the worker client, its crash watch), with
// the engine worker started from the bench's own script.
let worker: Worker | undefined
const host = browserHost({
  start: () => {
    worker = new Worker('/gen/same-worker.js', { type: 'module' })
    return worker
  },
  local: () => Promise.reject(new Error('worker only')),
})
const ferry = createRuntimeWith(host, {
  registry: location.origin,
  worker: true,
  telemetry: false,
  backends: ['wasm'],
  numThreads: 1,
  onEvent: (e: TelemetryEvent) => {
    if (e.type === 'inference') inference.push(e.computeMs)
  },
})
const inference: number[] = []

// The raw baseline's messages share the worker's own channel with Ferry's runs (see same-worker.ts).
// `at`: when the page got the answer, on the clock the worker stamps its own (timeOrigin + now).
const now = () => performance.timeOrigin + performance.now()
type Answer = { ok: boolean; ms: number; error?: string; got?: number; sent?: number; at?: number }
let answer: (data: Answer) => void = () => {}
;(worker as Worker).addEventListener('message', ({ data }) => data.raw && answer({ ...data, at: now() }))
const raw = (msg: Record<string, unknown>, transfer: Transferable[] = []) =>
  new Promise<Answer>((resolve, reject) => {
    answer = (data) => (data.ok ? resolve(data) : reject(new Error(data.error)))
    ;(worker as Worker).postMessage(msg, transfer)
  })

const p50 = (xs: number[]) => [...xs].sort((p, q) => p - q)[Math.floor(xs.length / 2)] as number

interface Spec {
  name: string
  dim: number
  n: number
}
/**
 * Per call, in an order shuffled each iteration (so none is favoured by running back-to-back or by
 * following another): `raw` = session.run timed inside the worker, input worker-local; `same` = the
 * same, on the session Ferry's engine created (same weights in memory); `hop` = `same` reached by
 * postMessage, input posted and output posted back, timed on the page; `ferry` = model.run timed on
 * the page.
 */
;(window as unknown as { bench: unknown }).bench = async (specs: Spec[]) => {
  const rows = []
  let seed = 12345
  const rand = () => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0
    return seed / 2 ** 32
  }
  for (const { name, dim, n } of specs) {
    const bytes = await (await fetch(`/model/${name}`)).arrayBuffer()
    await raw({ type: 'load', bytes, dim }, [bytes])
    const model = await ferry.load(name)
    const x = new Float32Array(dim).map((_, i) => (i % 7) / 7)
    const ms = { raw: [] as number[], same: [] as number[], hop: [] as number[], ferry: [] as number[] }
    const split: number[][] = [] // the bare hop's [to the worker, in it beyond session.run, back] per call
    const calls = {
      raw: async () => (await raw({ type: 'run' })).ms,
      same: async () => (await raw({ type: 'run', same: true })).ms,
      hop: async () => {
        // Ferry's own session, reached by a bare hop; the input is posted the cheapest way, as Ferry
        // posts it: a small array cloned by postMessage, a large one copied and the copy transferred
        const t = performance.now()
        const t0 = now()
        let a: Answer
        if (x.byteLength < CLONE_MAX_BYTES) a = await raw({ type: 'run', same: true, x })
        else {
          const input = x.slice()
          a = await raw({ type: 'run', same: true, x: input }, [input.buffer])
        }
        const ms = performance.now() - t
        // where the hop's time goes: to the worker, in it around session.run, back to the page
        split.push([
          (a.got as number) - t0,
          (a.sent as number) - (a.got as number) - a.ms,
          (a.at as number) - (a.sent as number),
        ])
        return ms
      },
      ferry: async () => {
        const t = performance.now()
        await model.run({ x: { data: x, dims: [1, dim] } })
        return performance.now() - t
      },
    }
    const kinds = Object.keys(calls) as (keyof typeof calls)[]
    for (let i = 0; i < 5; i++) for (const k of kinds) await calls[k]()
    inference.length = 0
    for (let i = 0; i < n; i++) {
      const order = [...kinds]
      for (let j = order.length - 1; j > 0; j--) {
        const r = Math.floor(rand() * (j + 1))
        ;[order[j], order[r]] = [order[r] as keyof typeof calls, order[j] as keyof typeof calls]
      }
      for (const k of order) ms[k].push(await calls[k]())
    }
    // Back to back (what a busy caller does), less disturbed by a loaded machine: windows of calls of
    // one kind, alternating, the fastest window of each (per call, ms).
    const per = dim > 1024 ? 2 : 50
    const fastest = { hop: Number.POSITIVE_INFINITY, ferry: Number.POSITIVE_INFINITY }
    for (let w = 0; w < (dim > 1024 ? 10 : 60); w++)
      for (const k of ['hop', 'ferry'] as const) {
        const t = performance.now()
        for (let i = 0; i < per; i++) await calls[k]()
        fastest[k] = Math.min(fastest[k], (performance.now() - t) / per)
      }
    // the bare hop around a worker busy as long as the raw p50 (page time minus worker time)
    const busy = p50(ms.raw)
    const floor: number[] = []
    for (let i = 0; i < Math.min(n, 200); i++) {
      const t = performance.now()
      const w = (await raw({ type: 'spin', ms: busy })).ms
      floor.push(performance.now() - t - w)
    }
    await model.unload()
    await new Promise((r) => setTimeout(r, 50))
    const hopSplit = [0, 1, 2].map((i) => p50(split.map((r) => r[i] as number)))
    rows.push({ name, ...ms, floor, hopSplit, fastest, compute: inference.splice(0), backend: model.backend })
  }
  const tiny = specs.find((s) => s.name === 'tiny')
  const inWorker = tiny
    ? ((await raw({ type: 'inWorker', name: 'tiny', dim: tiny.dim, n: 100 })) as unknown as {
        engineUs: number
        sessionUs: number
      })
    : undefined
  const ping: number[] = []
  for (let i = 0; i < 2000; i++) {
    const t = performance.now()
    await raw({ type: 'ping' })
    ping.push(performance.now() - t)
  }
  // The worker's own channel (every Ferry call) against a MessagePort, around a call as long as each
  // model's raw p50, alternating: page time minus the worker's busy time, p50 in ms.
  const { port1, port2 } = new MessageChannel()
  ;(worker as Worker).postMessage({ type: 'port', port: port2 }, [port2])
  const overPort = (msg: Record<string, unknown>) =>
    new Promise<{ ms: number }>((resolve) => {
      port1.onmessage = ({ data }) => resolve(data)
      port1.postMessage(msg)
    })
  const channels = []
  for (const r of rows) {
    const busy = p50(r.raw)
    const own: number[] = []
    const port: number[] = []
    for (let i = 0; i < (busy > 1 ? 300 : 3000); i++)
      for (const [send, into] of i % 2
        ? ([
            [raw, own],
            [overPort, port],
          ] as const)
        : ([
            [overPort, port],
            [raw, own],
          ] as const)) {
        const t = performance.now()
        const w = (await send({ type: 'spin', ms: busy })).ms
        into.push(performance.now() - t - w)
      }
    channels.push({ name: r.name, busy, own: p50(own), port: p50(port) })
  }
  port1.close()
  await ferry.close()
  return { rows, ping, inWorker, channels, ua: navigator.userAgent, isolated: crossOriginIsolated }
}
;(window as unknown as { benchReady: boolean }).benchReady = true
