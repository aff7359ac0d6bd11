/**
 * Tensor data across the Open Inference Protocol: JSON `data` (flat or nested, row-major), binary (Triton's
 * binary extension and gRPC's raw contents: little-endian, BYTES as 4-byte length + bytes) and back. Ferry
 * Edge decodes requests and encodes answers with it, the runtime's edge client the other way round. Every
 * mistake is a FerryError that names the tensor (an input, or an output) and what was expected.
 */
import type { Dtype } from '../constants.js'
import { FerryError } from '../errors.js'
import { elementSize, oipDatatype } from './datatypes.js'

/** Tensor data as ONNX Runtime (and so Ferry) gives it: a typed array per dtype, or strings. */
export type TensorData =
  | Float32Array
  | Float64Array
  | Int8Array
  | Uint8Array
  | Uint8ClampedArray
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array
  | string[]

/** A tensor as Ferry takes and gives it (int64 as BigInt64Array, float16 as Uint16Array, bool as Uint8Array). */
export interface OipTensor {
  data: TensorData
  dims: number[]
  dtype: Dtype
}

/** Which side of a call a tensor is on, for error messages. */
export type TensorRole = 'input' | 'output'

type Typed = Exclude<TensorData, string[]>
type Tensor = OipTensor

const ARRAY_OF: Partial<Record<Dtype, new (n: number) => Typed>> = {
  bool: Uint8Array,
  uint8: Uint8Array,
  int8: Int8Array,
  uint16: Uint16Array,
  int16: Int16Array,
  float16: Uint16Array,
  bfloat16: Uint16Array,
  uint32: Uint32Array,
  int32: Int32Array,
  float32: Float32Array,
  uint64: BigUint64Array,
  int64: BigInt64Array,
  float64: Float64Array,
}

const INT_RANGE: Partial<Record<Dtype, [number, number]>> = {
  uint8: [0, 255],
  int8: [-128, 127],
  uint16: [0, 65535],
  int16: [-32768, 32767],
  uint32: [0, 4294967295],
  int32: [-2147483648, 2147483647],
}

const enc = new TextEncoder()
const dec = new TextDecoder()

/** Number of elements in `shape`; SHAPE_MISMATCH for a dim that is not a non-negative integer. */
export function checkShape(name: string, shape: unknown, role: TensorRole = 'input'): number[] {
  if (!Array.isArray(shape) || shape.length > 16)
    throw new FerryError(
      'SHAPE_MISMATCH',
      `${role} "${name}": "shape" must be an array of at most 16 non-negative integers`,
    )
  const dims = shape.map((d) => (typeof d === 'string' && /^\d+$/.test(d) ? Number(d) : d))
  for (const d of dims)
    if (!(typeof d === 'number' && Number.isSafeInteger(d) && d >= 0))
      throw new FerryError(
        'SHAPE_MISMATCH',
        `${role} "${name}": shape ${JSON.stringify(shape)} has ${JSON.stringify(d)}; every dim must be a non-negative integer`,
      )
  return dims as number[]
}

const count = (dims: readonly number[]) => dims.reduce((n, d) => n * d, 1)

/** Flattens nested arrays row-major (iteratively, at most `maxDepth` deep). */
function flatten(label: string, data: unknown, maxDepth: number): unknown[] {
  if (!Array.isArray(data)) return [data]
  if (!data.some(Array.isArray)) return data
  const out: unknown[] = []
  const stack: [unknown[], number, number][] = [[data, 0, 1]]
  while (stack.length > 0) {
    const top = stack[stack.length - 1] as [unknown[], number, number]
    const [arr, i, depth] = top
    if (i >= arr.length) {
      stack.pop()
      continue
    }
    top[1] = i + 1
    const v = arr[i]
    if (Array.isArray(v)) {
      if (depth >= maxDepth)
        throw new FerryError(
          'SHAPE_MISMATCH',
          `${label}: "data" is nested deeper than its ${maxDepth - 1} dims allow`,
        )
      stack.push([v, 0, depth + 1])
    } else out.push(v)
  }
  return out
}

function badElement(label: string, dtype: Dtype, i: number, v: unknown): FerryError {
  return new FerryError(
    'DTYPE_MISMATCH',
    `${label}: element ${i} is ${JSON.stringify(v) ?? typeof v}, not a valid ${oipDatatype(dtype)} value`,
  )
}

/**
 * Builds a tensor from JSON `data` (or gRPC typed contents): `values` flat or nested, with exactly
 * `shape`'s element count. FP16/BF16 must travel as binary; INT64/UINT64 take integers or decimal strings.
 */
export function fromValues(
  name: string,
  dtype: Dtype,
  dims: number[],
  values: unknown,
  role: TensorRole = 'input',
): Tensor {
  const label = `${role} "${name}"`
  if (!Array.isArray(values))
    throw new FerryError('BAD_REQUEST', `${label}: "data" must be an array (flat or nested)`)
  if (dtype === 'float16' || dtype === 'bfloat16')
    throw new FerryError(
      'DTYPE_MISMATCH',
      `${label}: ${oipDatatype(dtype)} data travels as binary (the "binary_data_size" parameter, or gRPC raw_input_contents), not as JSON numbers`,
    )
  const flat = flatten(label, values, Math.max(1, dims.length))
  const n = count(dims)
  if (flat.length !== n)
    throw new FerryError(
      'SHAPE_MISMATCH',
      `${label}: "data" has ${flat.length} elements but shape [${dims.join(', ')}] holds ${n}`,
    )
  if (dtype === 'string') {
    const out = flat.map((v, i) => {
      if (typeof v === 'string') return v
      if (v instanceof Uint8Array) return dec.decode(v)
      throw badElement(label, dtype, i, v)
    })
    return { data: out, dims, dtype }
  }
  const Ctor = ARRAY_OF[dtype]
  if (!Ctor)
    throw new FerryError(
      'DTYPE_MISMATCH',
      `${label}: datatype ${oipDatatype(dtype)} is not supported by Ferry`,
    )
  const out = new Ctor(n)
  if (dtype === 'int64' || dtype === 'uint64') {
    const big = out as BigInt64Array | BigUint64Array
    for (let i = 0; i < n; i++) {
      const v = flat[i]
      let b: bigint
      if (typeof v === 'number' && Number.isSafeInteger(v)) b = BigInt(v)
      else if (typeof v === 'string' && /^-?\d{1,20}$/.test(v)) b = BigInt(v)
      else if (typeof v === 'bigint') b = v
      else throw badElement(label, dtype, i, v)
      if (dtype === 'uint64' ? b < 0n || b > 0xffffffffffffffffn : b < -(2n ** 63n) || b >= 2n ** 63n)
        throw badElement(label, dtype, i, v)
      big[i] = b
    }
    return { data: big, dims, dtype }
  }
  const arr = out as Exclude<Typed, BigInt64Array | BigUint64Array>
  if (dtype === 'bool') {
    for (let i = 0; i < n; i++) {
      const v = flat[i]
      if (v === true || v === 1) arr[i] = 1
      else if (v === false || v === 0) arr[i] = 0
      else throw badElement(label, dtype, i, v)
    }
    return { data: arr, dims, dtype }
  }
  const range = INT_RANGE[dtype]
  for (let i = 0; i < n; i++) {
    const v = flat[i]
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      // JSON has no NaN/Infinity; allow them spelt as strings for floats, as some clients send.
      if (!range && (v === 'NaN' || v === 'Infinity' || v === '-Infinity')) {
        arr[i] = Number(v)
        continue
      }
      throw badElement(label, dtype, i, v)
    }
    if (range && !(Number.isInteger(v) && v >= range[0] && v <= range[1]))
      throw badElement(label, dtype, i, v)
    arr[i] = v
  }
  return { data: arr, dims, dtype }
}

/** Builds a tensor from binary data (little-endian, row-major; BYTES: 4-byte length then bytes). */
export function fromBytes(
  name: string,
  dtype: Dtype,
  dims: number[],
  bytes: Uint8Array,
  role: TensorRole = 'input',
): Tensor {
  const label = `${role} "${name}"`
  const n = count(dims)
  if (dtype === 'string') {
    const out: string[] = []
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    let at = 0
    while (at < bytes.byteLength) {
      if (at + 4 > bytes.byteLength) break
      const len = view.getUint32(at, true)
      if (at + 4 + len > bytes.byteLength) break
      out.push(dec.decode(bytes.subarray(at + 4, at + 4 + len)))
      at += 4 + len
    }
    if (at !== bytes.byteLength || out.length !== n)
      throw new FerryError(
        'SHAPE_MISMATCH',
        `${label}: BYTES binary data must be ${n} elements, each a 4-byte little-endian length then its bytes`,
      )
    return { data: out, dims, dtype }
  }
  const size = elementSize(dtype)
  const Ctor = ARRAY_OF[dtype]
  if (size === null || !Ctor)
    throw new FerryError(
      'DTYPE_MISMATCH',
      `${label}: datatype ${oipDatatype(dtype)} is not supported by Ferry`,
    )
  if (bytes.byteLength !== n * size)
    throw new FerryError(
      'SHAPE_MISMATCH',
      `${label}: ${bytes.byteLength} bytes of binary data, but shape [${dims.join(', ')}] of ${oipDatatype(dtype)} needs ${n * size}`,
    )
  // Copied into an aligned buffer of its own: the body's bytes may sit at any offset.
  const copy = new Uint8Array(n * size)
  copy.set(bytes)
  const data = new (Ctor as unknown as new (b: ArrayBuffer) => Typed)(copy.buffer)
  if (dtype === 'bool' && (data as Uint8Array).some((b) => b > 1))
    throw new FerryError('DTYPE_MISMATCH', `${label}: BOOL binary data must be bytes 0 or 1`)
  return { data, dims, dtype }
}

/** A tensor's binary form (little-endian; BYTES as 4-byte length + bytes per element). */
export function toBytes(t: Tensor): Uint8Array {
  if (Array.isArray(t.data)) {
    const parts = t.data.map((s) => enc.encode(s))
    const out = new Uint8Array(parts.reduce((n, p) => n + 4 + p.byteLength, 0))
    const view = new DataView(out.buffer)
    let at = 0
    for (const p of parts) {
      view.setUint32(at, p.byteLength, true)
      out.set(p, at + 4)
      at += 4 + p.byteLength
    }
    return out
  }
  const d = t.data as Typed
  return new Uint8Array(d.buffer, d.byteOffset, d.byteLength)
}

/** IEEE binary16 → number. */
function halfToNumber(h: number): number {
  const s = h & 0x8000 ? -1 : 1
  const e = (h >> 10) & 0x1f
  const f = h & 0x3ff
  if (e === 0) return s * 2 ** -14 * (f / 1024)
  if (e === 31) return f ? Number.NaN : s * Number.POSITIVE_INFINITY
  return s * 2 ** (e - 15) * (1 + f / 1024)
}

const num = (v: number) => (Number.isFinite(v) ? String(v) : `"${v}"`)

/** Plain JS values of a tensor (FP16/BF16 widened to numbers, 64-bit integers as bigints). */
export function toValues(t: Tensor): (number | bigint | boolean | string)[] {
  if (Array.isArray(t.data)) return t.data
  if (t.dtype === 'bool') return Array.from(t.data as Uint8Array, (b) => b !== 0)
  if (t.dtype === 'float16') return Array.from(t.data as Uint16Array, halfToNumber)
  if (t.dtype === 'bfloat16')
    return Array.from(
      t.data as Uint16Array,
      (b) => new Float32Array(new Uint32Array([b << 16]).buffer)[0] ?? 0,
    )
  return Array.from(t.data as ArrayLike<number | bigint>)
}

/** A tensor's flat `data` as JSON text (64-bit integers exact; NaN and infinities as strings). */
export function toJsonData(t: Tensor): string {
  const values = toValues(t)
  if (t.dtype === 'string') return JSON.stringify(values)
  if (t.dtype === 'bool') return `[${values.join(',')}]`
  if (typeof values[0] === 'bigint') return `[${values.join(',')}]`
  const numbers = values as number[]
  // JSON.stringify is native and writes finite numbers as `num` does; only NaN and infinities need strings.
  for (const v of numbers) if (!Number.isFinite(v)) return `[${numbers.map(num).join(',')}]`
  return JSON.stringify(numbers)
}
