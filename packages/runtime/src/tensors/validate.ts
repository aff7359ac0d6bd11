/** Checks `model.run` inputs against the manifest's signature before they reach ONNX Runtime. */
import { FerryError, type TensorSpec } from '@ferry/protocol'
import type { Inputs, InputValue, Tensor } from '../engine/types.js'
import {
  dataFitsDtype,
  dataLength,
  describeData,
  elementCount,
  expectedArrayName,
  isPacked4,
  isTensorData,
  scalarData,
  type TensorData,
} from './dtypes.js'

const fmtShape = (s: readonly (number | string)[]) => `[${s.join(', ')}]`

function shapeError(name: string, spec: TensorSpec, msg: string): FerryError {
  return new FerryError('SHAPE_MISMATCH', `input "${name}" ${msg} (expected shape ${fmtShape(spec.shape)})`)
}

/** Dims for a bare array: the manifest's shape when static, or with its one symbolic dim inferred. */
function inferDims(name: string, spec: TensorSpec, length: number): number[] {
  const free = spec.shape.filter((d) => typeof d !== 'number').length
  const fixed = elementCount(spec.shape.filter((d): d is number => typeof d === 'number'))
  if (free === 0) return spec.shape as number[]
  // Packed 4-bit data does not tell an odd element count from the next even one.
  if (isPacked4(spec.dtype))
    throw shapeError(name, spec, `needs { data, dims }: its shape has symbolic dims and 4-bit data is packed`)
  if (free === 1 && fixed > 0 && length % fixed === 0)
    return spec.shape.map((d) => (typeof d === 'number' ? d : length / fixed))
  throw shapeError(name, spec, `needs { data, dims }: its shape has symbolic dims`)
}

function toTensor(name: string, spec: TensorSpec, value: InputValue): Tensor {
  let data: unknown
  let dims: readonly number[] | undefined
  if (isTensorData(value)) data = value
  else if (typeof value === 'object' && value !== null && 'data' in value) {
    data = value.data
    dims = value.dims
  } else {
    if (spec.shape.length !== 0)
      throw shapeError(name, spec, `got a scalar ${typeof value}; pass { data, dims } or a typed array`)
    data = scalarData(value, spec.dtype)
    if (data === null)
      throw new FerryError(
        'DTYPE_MISMATCH',
        `input "${name}" expects ${spec.dtype} (${expectedArrayName(spec.dtype)}), got ${typeof value}`,
      )
  }
  if (!isTensorData(data) || !dataFitsDtype(data, spec.dtype))
    throw new FerryError(
      'DTYPE_MISMATCH',
      `input "${name}" expects ${spec.dtype} (${expectedArrayName(spec.dtype)}), got ${describeData(data)}`,
    )
  const shape = dims === undefined ? inferDims(name, spec, data.length) : [...dims]
  if (!shape.every((d) => Number.isSafeInteger(d) && d >= 0))
    throw shapeError(name, spec, `has invalid dims ${fmtShape(shape)}`)
  return { data: data as TensorData, dims: shape, dtype: spec.dtype }
}

/**
 * Validates `inputs` against `specs` and normalizes them to tensors. Throws INPUT_NAME (unknown name),
 * INPUT_MISSING, DTYPE_MISMATCH or SHAPE_MISMATCH (rank, a static dim, element count, or a symbolic dim
 * that two inputs disagree on); the message names the input and what was expected.
 */
export function validateInputs(specs: readonly TensorSpec[], inputs: Inputs): Record<string, Tensor> {
  if (typeof inputs !== 'object' || inputs === null)
    throw new FerryError('BAD_REQUEST', 'run() takes an object of named inputs')
  const byName = new Map(specs.map((s) => [s.name, s]))
  for (const k of Object.keys(inputs))
    if (!byName.has(k))
      throw new FerryError(
        'INPUT_NAME',
        `unknown input "${k}"; the model's inputs are ${specs.map((s) => `"${s.name}"`).join(', ')}`,
      )
  const out: Record<string, Tensor> = {}
  const symbols = new Map<string, { value: number; input: string }>()
  for (const spec of specs) {
    const value = inputs[spec.name]
    if (value === undefined)
      throw new FerryError(
        'INPUT_MISSING',
        `missing input "${spec.name}" (${spec.dtype} ${fmtShape(spec.shape)})`,
      )
    const t = toTensor(spec.name, spec, value)
    if (t.dims.length !== spec.shape.length)
      throw shapeError(spec.name, spec, `has rank ${t.dims.length} ${fmtShape(t.dims)}`)
    spec.shape.forEach((want, i) => {
      const got = t.dims[i] as number
      if (typeof want === 'number') {
        if (got !== want) throw shapeError(spec.name, spec, `has dim ${i} = ${got}, expected ${want}`)
        return
      }
      // '?' is how `ferry publish` writes an open dim the model leaves unnamed: each one is its own.
      if (want === '?') return
      const seen = symbols.get(want)
      if (seen && seen.value !== got)
        throw shapeError(
          spec.name,
          spec,
          `has "${want}" = ${got} but input "${seen.input}" has "${want}" = ${seen.value}`,
        )
      if (!seen) symbols.set(want, { value: got, input: spec.name })
    })
    const n = elementCount(t.dims)
    if (t.data.length !== dataLength(spec.dtype, n))
      throw shapeError(
        spec.name,
        spec,
        isPacked4(spec.dtype)
          ? `has ${t.data.length} bytes but dims ${fmtShape(t.dims)} hold ${n} ${spec.dtype} elements, packed two per byte in ${dataLength(spec.dtype, n)}`
          : `has ${t.data.length} elements but dims ${fmtShape(t.dims)} hold ${n}`,
      )
    out[spec.name] = t
  }
  return out
}
