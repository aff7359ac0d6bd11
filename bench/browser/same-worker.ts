// Bench worker: Ferry's engine (exposed over Comlink as in the real build) and, on a second port, a raw
// ONNX Runtime Web session in the SAME worker, sharing the same ORT module instance. Built by
// bench/runtime-browser.mjs with esbuild.
import { exposeEngine } from '../../packages/runtime/src/worker/expose.js'

const base = new URL('/dist/', self.location.href).href
type Ort = typeof import('onnxruntime-web')
const loadOrt = () => import(/* @vite-ignore */ `${base}ort.wasm.min.mjs`) as Promise<Ort>

exposeEngine(self as never, loadOrt, { wasmPaths: base })

// The raw baseline listens on its own port, handed over in a message Comlink ignores.
self.addEventListener('message', (ev: MessageEvent) => {
  const port = (ev.data as { rawPort?: MessagePort })?.rawPort
  if (!port) return
  let session: import('onnxruntime-web').InferenceSession | undefined
  let x = new Float32Array(0)
  port.onmessage = async ({ data }) => {
    try {
      const ort = await loadOrt()
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
      const ms: number[] = []
      for (let i = 0; i < data.n; i++) {
        const t = performance.now()
        // a fresh input tensor per call, as any caller with new inputs has
        await session?.run({ x: new ort.Tensor('float32', x, [1, x.length]) })
        ms.push(performance.now() - t)
      }
      port.postMessage({ ok: true, ms })
    } catch (e) {
      port.postMessage({ ok: false, error: String((e as Error)?.stack ?? e) })
    }
  }
})
