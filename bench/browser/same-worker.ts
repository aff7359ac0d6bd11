// Bench worker: Ferry's engine served as ferry-worker.mjs serves it (serveEngineWorker: the ort-web
// backend, the message protocol on the worker's own channel) and, on that same channel, a raw ONNX
// Runtime Web session in the SAME worker, sharing the same ORT module instance. Built by
// bench/runtime-browser.mjs with esbuild.
import { createEngine } from '../../packages/runtime/src/engine/engine.js'
import { browserEngineOptions, browserOrtWeb } from '../../packages/runtime/src/platform/browser-engine.js'
import { serveEngineWorker } from '../../packages/runtime/src/platform/worker.js'

const base = new URL('/dist/', self.location.href).href
type Ort = typeof import('onnxruntime-web')
type Session = import('onnxruntime-web').InferenceSession
/**
 * Every session created in this worker, Ferry's included: the raw baseline also calls Ferry's own
 * session, because two sessions of one model can differ by a few % (where their weights landed in the
 * wasm heap), which would otherwise be read as Ferry's overhead.
 */
const created: Session[] = []
/** Ferry's backend asks for a build; the bench runs on WASM only, so both are the plain WASM build. */
const loadOrt = async (_build?: 'webgpu' | 'wasm') => {
  const ort = (await import(/* @vite-ignore */ `${base}ort.wasm.min.mjs`)) as Ort
  const create = ort.InferenceSession.create
  if (!(create as { recorded?: true }).recorded) {
    const recorded = async (...args: unknown[]) => {
      const s = await (create as (...a: unknown[]) => Promise<Session>).apply(ort.InferenceSession, args)
      created.push(s)
      return s
    }
    ;(ort.InferenceSession as unknown as { create: unknown }).create = Object.assign(recorded, {
      recorded: true,
    })
  }
  return ort
}

serveEngineWorker({ loadOrt, wasmPaths: base })

/** A busy worker without ORT: the cost of the hop itself around a call this long. */
const spin = (ms: number) => {
  const t0 = performance.now()
  while (performance.now() - t0 < ms);
  return { ok: true, ms: performance.now() - t0 }
}
let session: Session | undefined
let x = new Float32Array(0)
let ort: Ort | undefined // kept, so a hop does not pay a dynamic import() per message
// `ev: []`: the page's protocol handler reads a message with no call id as an events batch (an empty one
// is nothing to it), and the bench's own listener takes the answer.
const reply = (m: Record<string, unknown>, transfer: Transferable[] = []) =>
  (self as unknown as Worker).postMessage({ raw: true, ev: [], ...m }, transfer)

// The raw baseline shares the worker's own channel with Ferry's calls (Ferry's protocol ignores these
// messages, which carry no call id). One message = one session.run (so raw calls interleave with
// Ferry's one by one); `x` in the message = an input that came over postMessage (its output goes back,
// transferred, like Ferry's), else a worker-local input; `same` = run Ferry's own session (the last one
// created that is not the baseline's); `spin` busy-waits `ms` without ORT, so the page can time a bare
// hop around a call that long; `inWorker` times Ferry's engine.run against session.run in a loop in this
// worker, with no hop.
self.addEventListener('message', async ({ data }: MessageEvent) => {
  if (!data?.type) return
  const got = performance.timeOrigin + performance.now()
  try {
    ort ??= await loadOrt()
    if (data.type === 'ping') return reply({ ok: true })
    if (data.type === 'load') {
      await session?.release()
      session = await ort.InferenceSession.create(new Uint8Array(data.bytes), {
        executionProviders: ['wasm'],
        graphOptimizationLevel: 'all',
      })
      x = new Float32Array(data.dim).map((_, i) => (i % 7) / 7)
      return reply({ ok: true })
    }
    if (data.type === 'inWorker') return reply({ ok: true, ...(await inWorker(ort, data)) })
    if (data.type === 'spin') return reply(spin(data.ms))
    if (data.type === 'port') {
      // the same spin over a MessagePort, to compare the two channels
      const port = data.port as MessagePort
      port.onmessage = ({ data: m }) => port.postMessage(spin(m.ms))
      return
    }
    const target = data.same ? created.findLast((c) => c !== session) : session
    const t = performance.now()
    // a fresh input tensor per call, as any caller with new inputs has
    const out = await target?.run({ x: new ort.Tensor('float32', data.x ?? x, [1, x.length]) })
    const ms = performance.now() - t
    const y = out?.y?.data as Float32Array
    const sent = performance.timeOrigin + performance.now()
    reply({ ok: true, ms, got, sent, ...(data.x ? { y } : {}) }, data.x ? [y.buffer] : [])
  } catch (e) {
    reply({ ok: false, error: String((e as Error)?.stack ?? e) })
  }
})

/**
 * µs per call (the fastest of 100 windows) of Ferry's engine.run (a second engine in this worker, no hop) and of
 * session.run on that engine's session.
 */
async function inWorker(ort: Ort, { name, dim, n }: { name: string; dim: number; n: number }) {
  const engine = createEngine(
    browserEngineOptions(
      { config: { registry: new URL('/', self.location.href).href, devices: ['wasm'] }, emit: () => {} },
      [browserOrtWeb(loadOrt, { wasmPaths: base, numThreads: 1 })],
    ),
  )
  const { handle } = await engine.load({ name })
  const session = created.at(-1) as Session
  const x = new Float32Array(dim)
  // 100 windows of `n` calls each, engine and session alternating; the fastest window of each (what a
  // loaded machine leaves least disturbed).
  const us = { engine: [] as number[], session: [] as number[] }
  for (let rep = 0; rep < 100; rep++) {
    let t = performance.now()
    for (let i = 0; i < n; i++) await engine.run(handle, { x: { data: x.slice(), dims: [1, dim] } })
    us.engine.push(((performance.now() - t) / n) * 1000)
    t = performance.now()
    for (let i = 0; i < n; i++) await session.run({ x: new ort.Tensor('float32', x.slice(), [1, dim]) })
    us.session.push(((performance.now() - t) / n) * 1000)
  }
  await engine.close()
  created.splice(created.indexOf(session), 1) // released: never a `same` target
  return { engineUs: Math.min(...us.engine), sessionUs: Math.min(...us.session) }
}
