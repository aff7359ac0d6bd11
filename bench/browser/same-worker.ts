// Bench worker: Ferry's engine (exposed over Comlink as in the real build) and, on a second port, a raw
// ONNX Runtime Web session in the SAME worker, sharing the same ORT module instance. Built by
// bench/runtime-browser.mjs with esbuild.
import { exposeEngine } from '../../packages/runtime/src/worker/expose.js'

const base = new URL('/dist/', self.location.href).href
type Ort = typeof import('onnxruntime-web')
const loadOrt = () => import(/* @vite-ignore */ `${base}ort.wasm.min.mjs`) as Promise<Ort>

exposeEngine(self as never, loadOrt, { wasmPaths: base })

// The raw baseline listens on its own port, handed over in a message Comlink ignores. One message = one
// session.run (so raw calls interleave with Ferry's one by one); `x` in the message = an input that came
// over postMessage (its output goes back, transferred, like Ferry's), else a worker-local input;
// `spin` busy-waits `ms` without ORT, so the page can time a bare hop around a call that long.
self.addEventListener('message', (ev: MessageEvent) => {
  const port = (ev.data as { rawPort?: MessagePort })?.rawPort
  if (!port) return
  let session: import('onnxruntime-web').InferenceSession | undefined
  let x = new Float32Array(0)
  let ort: Ort | undefined // kept, so a hop does not pay a dynamic import() per message
  port.onmessage = async ({ data }) => {
    try {
      ort ??= await loadOrt()
      if (data.type === 'ping') return port.postMessage({ ok: true })
      if (data.type === 'load') {
        await session?.release()
        session = await ort.InferenceSession.create(new Uint8Array(data.bytes), {
          executionProviders: ['wasm'],
          graphOptimizationLevel: 'all',
        })
        x = new Float32Array(data.dim).map((_, i) => (i % 7) / 7)
        return port.postMessage({ ok: true })
      }
      if (data.type === 'spin') {
        // a busy worker without ORT: the cost of the hop itself around a call this long
        const t0 = performance.now()
        while (performance.now() - t0 < data.ms);
        return port.postMessage({ ok: true, ms: performance.now() - t0 })
      }
      const t = performance.now()
      // a fresh input tensor per call, as any caller with new inputs has
      const out = await session?.run({ x: new ort.Tensor('float32', data.x ?? x, [1, x.length]) })
      const ms = performance.now() - t
      const y = out?.y?.data as Float32Array
      port.postMessage({ ok: true, ms, ...(data.x ? { y } : {}) }, data.x ? [y.buffer] : [])
    } catch (e) {
      port.postMessage({ ok: false, error: String((e as Error)?.stack ?? e) })
    }
  }
})
