/**
 * Reads an ONNX model's graph to fill a manifest's `inputs`/`outputs` (names, ONNX Runtime dtypes, shapes with
 * symbolic dims kept as strings) and to find the external-data files its tensors point to. Platform-free: bytes in.
 */
import {
  type Dim,
  type Dtype,
  FerryError,
  isSafeRelativePath,
  type TensorSpec,
  UNNAMED_DIM,
} from '@ferry/protocol'
import type { onnx as Onnx } from 'onnx-proto'
import onnxProto from 'onnx-proto'

const { onnx } = onnxProto

/** Text used for a dimension whose size the model leaves open and unnamed (ONNX Runtime shows it as ""). */
export const UNKNOWN_DIM = UNNAMED_DIM

/** ONNX `TensorProto.DataType` numbers → ONNX Runtime tensor type names (the manifest's dtypes). */
const DTYPE_BY_ELEM_TYPE: Readonly<Record<number, Dtype>> = {
  1: 'float32',
  2: 'uint8',
  3: 'int8',
  4: 'uint16',
  5: 'int16',
  6: 'int32',
  7: 'int64',
  8: 'string',
  9: 'bool',
  10: 'float16',
  11: 'float64',
  12: 'uint32',
  13: 'uint64',
  16: 'bfloat16',
  21: 'uint4',
  22: 'int4',
}

/** Names of ONNX element types that have no ONNX Runtime Web tensor type, for error messages. */
const UNSUPPORTED_ELEM_TYPES: Readonly<Record<number, string>> = {
  0: 'UNDEFINED',
  14: 'COMPLEX64',
  15: 'COMPLEX128',
  17: 'FLOAT8E4M3FN',
  18: 'FLOAT8E4M3FNUZ',
  19: 'FLOAT8E5M2',
  20: 'FLOAT8E5M2FNUZ',
  23: 'FLOAT4E2M1',
}

/** What an ONNX file tells a publisher. */
export interface OnnxSignature {
  inputs: TensorSpec[]
  outputs: TensorSpec[]
  /** Relative paths of the external-data files the model's tensors reference, in first-seen order. */
  externalData: string[]
  /** Graph inputs/outputs left out of the signature because they are not tensors (sequences, maps, …). */
  skipped: string[]
  /** A few facts from the model header, for the manifest's metadata. */
  info: { irVersion: number; opset: number | null; producer: string | null }
}

type Graph = Onnx.IGraphProto
type ValueInfo = Onnx.IValueInfoProto
type Tensor = Onnx.ITensorProto
type Dimension = Onnx.TensorShapeProto.IDimension

/** Which field of a decoded message's oneof is set (protobufjs adds a `value` getter to decoded messages). */
const oneofCase = (message: object | null | undefined): string | undefined =>
  (message as { value?: string } | null | undefined)?.value

/** Decodes an ONNX model and reads its signature; throws `NOT_ONNX` for anything that is not an ONNX model. */
export function readOnnxSignature(bytes: Uint8Array, fileName = 'file'): OnnxSignature {
  const model = decodeModel(bytes, fileName)
  const graph = model.graph as Graph
  const initializers = new Set((graph.initializer ?? []).map((t) => t.name))
  for (const s of graph.sparseInitializer ?? []) if (s.values?.name) initializers.add(s.values.name)

  const skipped: string[] = []
  const toSpecs = (values: ValueInfo[], kind: string): TensorSpec[] => {
    const specs: TensorSpec[] = []
    for (const v of values) {
      const spec = tensorSpec(v, kind, fileName)
      if (spec) specs.push(spec)
      else skipped.push(`${kind} "${v.name}" (${oneofCase(v.type) ?? 'untyped'})`)
    }
    return specs
  }
  // Since IR version 4 initializers may also be listed as graph inputs (as overridable defaults): not inputs.
  const inputs = toSpecs(
    (graph.input ?? []).filter((i) => !initializers.has(i.name)),
    'input',
  )
  const outputs = toSpecs(graph.output ?? [], 'output')

  const externalData = new Set<string>()
  collectExternalData(graph, externalData, fileName, 0)

  const defaultOpset = model.opsetImport.find((o) => !o.domain || o.domain === 'ai.onnx')
  return {
    inputs,
    outputs,
    externalData: [...externalData],
    skipped,
    info: {
      irVersion: Number(model.irVersion),
      opset: defaultOpset ? Number(defaultOpset.version) : null,
      producer: model.producerName ? `${model.producerName} ${model.producerVersion}`.trim() : null,
    },
  }
}

function decodeModel(bytes: Uint8Array, fileName: string) {
  const notOnnx = (why: string, cause?: unknown) =>
    new FerryError(
      'NOT_ONNX',
      `${fileName} is not an ONNX model (${why}); pass a .onnx file exported by ONNX tools`,
      {
        cause,
      },
    )
  if (bytes.byteLength === 0) throw notOnnx('it is empty')
  let model: InstanceType<typeof onnx.ModelProto>
  try {
    model = onnx.ModelProto.decode(bytes)
  } catch (err) {
    throw notOnnx('it does not decode as an ONNX ModelProto', err)
  }
  // Random bytes sometimes decode as a protobuf message; a real model has an IR version, an opset and a graph.
  const ir = Number(model.irVersion)
  if (!Number.isInteger(ir) || ir < 1 || ir > 100) throw notOnnx('no valid ir_version')
  if (!model.graph) throw notOnnx('it has no graph')
  if (model.opsetImport.length === 0) throw notOnnx('it imports no operator set')
  return model
}

function tensorSpec(v: ValueInfo, kind: string, fileName: string): TensorSpec | null {
  const t = v.type?.tensorType
  if (oneofCase(v.type) !== 'tensorType' || !t) return null
  const elemType = t.elemType ?? 0
  const dtype = DTYPE_BY_ELEM_TYPE[elemType]
  if (!dtype) {
    const typeName = UNSUPPORTED_ELEM_TYPES[elemType] ?? `element type ${elemType}`
    throw new FerryError(
      'INVALID_MANIFEST',
      `${fileName}: ${kind} "${v.name}" has type ${typeName}, which ONNX Runtime Web cannot exchange`,
    )
  }
  // No shape at all means "any rank"; an empty dim list is a scalar.
  const shape: Dim[] = (t.shape?.dim ?? []).map(dimOf)
  return { name: v.name ?? '', dtype, shape }
}

function dimOf(d: Dimension): Dim {
  const which = oneofCase(d)
  if (which === 'dimValue') {
    const n = Number(d.dimValue)
    return Number.isSafeInteger(n) && n >= 0 ? n : UNKNOWN_DIM
  }
  if (which === 'dimParam' && d.dimParam) return d.dimParam.slice(0, 64)
  return UNKNOWN_DIM
}

const MAX_GRAPH_DEPTH = 32

/** Walks the graph and its subgraphs (If/Loop/Scan bodies) for tensors stored outside the model file. */
function collectExternalData(graph: Graph, out: Set<string>, fileName: string, depth: number): void {
  if (depth > MAX_GRAPH_DEPTH) return
  const visit = (t: Tensor | null | undefined) => {
    if (!t || t.dataLocation !== onnx.TensorProto.DataLocation.EXTERNAL) return
    const location = (t.externalData ?? []).find((e) => e.key === 'location')?.value
    if (!location) {
      throw new FerryError('NOT_ONNX', `${fileName}: tensor "${t.name}" is external but names no location`)
    }
    const path = location.replace(/^\.\//, '')
    if (!isSafeRelativePath(path)) {
      throw new FerryError(
        'INVALID_MANIFEST',
        `${fileName}: tensor "${t.name}" points outside the model's folder (${location})`,
      )
    }
    out.add(path)
  }
  for (const t of graph.initializer ?? []) visit(t)
  for (const s of graph.sparseInitializer ?? []) {
    visit(s.values)
    visit(s.indices)
  }
  for (const node of graph.node ?? []) {
    for (const a of node.attribute ?? []) {
      visit(a.t)
      for (const t of a.tensors ?? []) visit(t)
      if (a.g) collectExternalData(a.g, out, fileName, depth + 1)
      for (const g of a.graphs ?? []) collectExternalData(g, out, fileName, depth + 1)
    }
  }
}
