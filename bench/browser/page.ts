// Bench page script: a Ferry runtime whose worker is bench/browser/same-worker.ts, plus the raw baseline
// in that same worker. Built by bench/runtime-browser.mjs with esbuild; window.bench(specs) runs it.
import type { TelemetryEvent } from '@ferry/protocol'
import { createRuntimeWith } from '../../packages/runtime/src/api/runtime.js'

let worker: Worker | undefined
const ferry = createRuntimeWith(
  {
    workers: true,
    startWorker: () => {
      worker = new Worker('/gen/same-worker.js', { type: 'module' })
      return worker
    },
    localEngine: () => Promise.reject(new Error('worker only')),
  },
  {
    registry: location.origin,
    telemetry: false,
    backends: ['wasm'],
    numThreads: 1,
    onEvent: (e: TelemetryEvent) => {
      if (e.type === 'inference') inference.push(e.computeMs)
    },
  } as never,
)
const inference: number[] = []

const { port1, port2 } = new MessageChannel()
;(worker as Worker).postMessage({ rawPort: port2 }, [port2])
const raw = (msg: Record<string, unknown>, transfer: Transferable[] = []) =>
  new Promise<{ ms?: number[] }>((resolve, reject) => {
    port1.onmessage = ({ data }) => (data.ok ? resolve(data) : reject(new Error(data.error)))
    port1.postMessage(msg, transfer)
  })

interface Spec {
  name: string
  dim: number
  n: number
  rounds: number
}

;(window as unknown as { bench: unknown }).bench = async (specs: Spec[]) => {
  const rows = []
  for (const { name, dim, n, rounds } of specs) {
    const bytes = await (await fetch(`/model/${name}`)).arrayBuffer()
    await raw({ type: 'load', bytes, dim }, [bytes])
    const model = await ferry.load(name)
    const x = new Float32Array(dim).map((_, i) => (i % 7) / 7)
    const a: number[] = []
    const b: number[] = []
    await raw({ type: 'run', n: 5 })
    for (let i = 0; i < 5; i++) await model.run({ x: { data: x, dims: [1, dim] } })
    inference.length = 0
    for (let r = 0; r < rounds; r++) {
      a.push(...((await raw({ type: 'run', n })).ms ?? []))
      for (let i = 0; i < n; i++) {
        const t = performance.now()
        await model.run({ x: { data: x, dims: [1, dim] } })
        b.push(performance.now() - t)
      }
    }
    await model.unload()
    await new Promise((r) => setTimeout(r, 50))
    rows.push({ name, raw: a, ferry: b, compute: inference.splice(0), backend: model.backend })
  }
  const ping: number[] = []
  for (let i = 0; i < 2000; i++) {
    const t = performance.now()
    await raw({ type: 'ping' })
    ping.push(performance.now() - t)
  }
  await ferry.close()
  return { rows, ping, ua: navigator.userAgent, isolated: crossOriginIsolated }
}
;(window as unknown as { benchReady: boolean }).benchReady = true
