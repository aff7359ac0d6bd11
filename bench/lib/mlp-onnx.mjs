// Builds small ONNX models in memory with onnx-proto, for Ferry's runtime tests and benchmarks:
// y = relu(x · W + b) (one or more layers), with a symbolic `batch` first dim, and a 4-bit dequantizer.
// Weights are deterministic pseudo-random.
import onnxProto from 'onnx-proto'

const { onnx } = onnxProto

function weights(n, seed) {
  const out = new Float32Array(n)
  let s = seed >>> 0
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    out[i] = (s / 2 ** 32 - 0.5) * 0.05
  }
  return out
}

const valueInfo = (name, dims, elemType = onnx.TensorProto.DataType.FLOAT) =>
  onnx.ValueInfoProto.create({
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  })

const initializer = (name, dims, data) =>
  onnx.TensorProto.create({
    name,
    dims,
    dataType: onnx.TensorProto.DataType.FLOAT,
    rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
  })

/** A model's bytes: `graph` with the given IR version and default-domain opset. */
const encode = (graph, irVersion, opset) =>
  onnx.ModelProto.encode(
    onnx.ModelProto.create({
      irVersion,
      producerName: 'ferry-bench',
      opsetImport: [{ domain: '', version: opset }],
      graph,
    }),
  ).finish()

/**
 * ONNX bytes of an MLP `in` → `out` (input `x` [batch, in], output `y` [batch, out]): one layer, or
 * `layers` of them (in = out then), each relu(h · Wi + bi).
 */
export function mlpOnnx(inFeatures, outFeatures, seed = 1, layers = 1) {
  if (layers > 1 && inFeatures !== outFeatures) throw new Error('stacked layers need in = out')
  const node = []
  const init = []
  for (let i = 0; i < layers; i++) {
    // Layer 0 keeps the one-layer model's names (its bytes are unchanged).
    const k = i ? String(i) : ''
    const [xw, pre, out] = [`xw${k}`, `pre${k}`, i === layers - 1 ? 'y' : `h${i + 1}`]
    node.push(
      onnx.NodeProto.create({ opType: 'MatMul', input: [i ? `h${i}` : 'x', `W${k}`], output: [xw] }),
      onnx.NodeProto.create({ opType: 'Add', input: [xw, `b${k}`], output: [pre] }),
      onnx.NodeProto.create({ opType: 'Relu', input: [pre], output: [out] }),
    )
    init.push(
      initializer(`W${k}`, [inFeatures, outFeatures], weights(inFeatures * outFeatures, seed + 2 * i)),
      initializer(`b${k}`, [outFeatures], weights(outFeatures, seed + 2 * i + 1)),
    )
  }
  const graph = onnx.GraphProto.create({
    name: 'mlp',
    node,
    initializer: init,
    input: [valueInfo('x', ['batch', inFeatures])],
    output: [valueInfo('y', ['batch', outFeatures])],
  })
  return encode(graph, 8, 17)
}

/**
 * ONNX bytes of y = DequantizeLinear(q, 0.5): `q` an `int4` or `uint4` vector [n] (packed two per byte),
 * `y` float32 [n]. Opset 21, the first with 4-bit types.
 */
export function dequantize4Onnx(dtype) {
  // TensorProto.DataType INT4 = 22, UINT4 = 21 (newer than onnx-proto's enum).
  const elemType = dtype === 'int4' ? 22 : 21
  const graph = onnx.GraphProto.create({
    name: 'dequantize4',
    node: [onnx.NodeProto.create({ opType: 'DequantizeLinear', input: ['q', 'scale'], output: ['y'] })],
    initializer: [initializer('scale', [], Float32Array.of(0.5))],
    input: [valueInfo('q', ['n'], elemType)],
    output: [valueInfo('y', ['n'])],
  })
  return encode(graph, 10, 21)
}

/** The manifest signature of `mlpOnnx(inFeatures, outFeatures)`. */
export function mlpSignature(inFeatures, outFeatures) {
  return {
    inputs: [{ name: 'x', dtype: 'float32', shape: ['batch', inFeatures] }],
    outputs: [{ name: 'y', dtype: 'float32', shape: ['batch', outFeatures] }],
  }
}
