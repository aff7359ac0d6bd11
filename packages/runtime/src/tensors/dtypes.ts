/** ONNX tensor types ↔ JavaScript typed arrays: which array class carries each dtype, and back. */
import type { Dtype } from '@ferry/protocol'
import type { TensorData } from '@ferry/protocol/oip'
import { float16Array } from '../platform/globals.js'

/** Any array ONNX Runtime accepts as tensor data (one definition, with the OIP codec's). */
export type { TensorData }

type ArrayCtor = { name: string }

const f16 = float16Array()

/** The array classes allowed for each dtype (first one is what outputs use). */
const ARRAYS: Record<Dtype, readonly ArrayCtor[]> = {
  float32: [Float32Array],
  float64: [Float64Array],
  float16: f16 ? [Uint16Array, f16] : [Uint16Array],
  bfloat16: [Uint16Array],
  // 4-bit types: packed two elements per byte, as ONNX Runtime takes and gives them (see dataLength).
  int4: [Uint8Array],
  uint4: [Uint8Array],
  int8: [Int8Array],
  uint8: [Uint8Array, Uint8ClampedArray],
  int16: [Int16Array],
  uint16: [Uint16Array],
  int32: [Int32Array],
  uint32: [Uint32Array],
  int64: [BigInt64Array],
  uint64: [BigUint64Array],
  bool: [Uint8Array],
  string: [Array],
}

/** Every dtype name ONNX Runtime knows. */
export const DTYPE_NAMES: ReadonlySet<string> = new Set(Object.keys(ARRAYS))

/** True when `data` may carry a tensor of `dtype`. */
export function dataFitsDtype(data: unknown, dtype: Dtype): boolean {
  if (dtype === 'string') return Array.isArray(data) && data.every((s) => typeof s === 'string')
  return ARRAYS[dtype].some((c) => (data as object).constructor === c)
}

/** The name of the array class expected for `dtype`, for error messages. */
export function expectedArrayName(dtype: Dtype): string {
  return dtype === 'string' ? 'string[]' : ARRAYS[dtype].map((c) => c.name).join(' or ')
}

/** A short description of what was passed, for error messages. */
export function describeData(data: unknown): string {
  if (data === null) return 'null'
  if (typeof data !== 'object') return typeof data
  return (data as object).constructor?.name ?? 'object'
}

/** True for a typed array or a string array, the two shapes tensor data can take. */
export function isTensorData(x: unknown): x is TensorData {
  return ArrayBuffer.isView(x) ? !(x instanceof DataView) : Array.isArray(x)
}

/** True for the 4-bit types, whose data holds two elements per byte. */
export const isPacked4 = (dtype: Dtype): boolean => dtype === 'int4' || dtype === 'uint4'

/** Length of the data array that holds `n` elements of `dtype` (ceil(n / 2) bytes for 4-bit types). */
export function dataLength(dtype: Dtype, n: number): number {
  return isPacked4(dtype) ? Math.ceil(n / 2) : n
}

/** Number of elements a shape holds (1 for a scalar). */
export function elementCount(dims: readonly number[]): number {
  let n = 1
  for (const d of dims) n *= d
  return n
}

/** Wraps a JavaScript scalar as one-element tensor data of `dtype`, or null when it does not fit. */
export function scalarData(value: unknown, dtype: Dtype): TensorData | null {
  if (dtype === 'int64' || dtype === 'uint64') {
    if (typeof value !== 'bigint' && !Number.isInteger(value)) return null
    return (dtype === 'int64' ? BigInt64Array : BigUint64Array).of(BigInt(value as number))
  }
  if (dtype === 'bool') return typeof value === 'boolean' ? Uint8Array.of(value ? 1 : 0) : null
  if (dtype === 'string') return typeof value === 'string' ? [value] : null
  if (!NUMERIC_SCALARS.has(dtype) || typeof value !== 'number') return null
  if (dtype !== 'float32' && dtype !== 'float64' && !Number.isInteger(value)) return null
  // The dtype's own array class, from the table above.
  return (ARRAYS[dtype][0] as unknown as { of(v: number): TensorData }).of(value)
}

/** Dtypes a plain JavaScript number can be given as (float16 and 4-bit types need packed data). */
const NUMERIC_SCALARS: ReadonlySet<Dtype> = new Set([
  'float32',
  'float64',
  'int8',
  'uint8',
  'int16',
  'uint16',
  'int32',
  'uint32',
])
