/** Open Inference Protocol datatypes (`FP32`, `INT64`, …) ↔ ONNX Runtime dtypes, with element sizes. */
import type { Dtype } from '../constants.js'

/** OIP datatype name for each ONNX dtype (BF16 as Triton names it; 4-bit types have no OIP name). */
const OIP_OF: Partial<Record<Dtype, string>> = {
  bool: 'BOOL',
  uint8: 'UINT8',
  uint16: 'UINT16',
  uint32: 'UINT32',
  uint64: 'UINT64',
  int8: 'INT8',
  int16: 'INT16',
  int32: 'INT32',
  int64: 'INT64',
  float16: 'FP16',
  float32: 'FP32',
  float64: 'FP64',
  bfloat16: 'BF16',
  string: 'BYTES',
}

const DTYPE_OF = new Map(Object.entries(OIP_OF).map(([d, o]) => [o, d as Dtype]))

/** Bytes per element in binary form (BYTES is variable: 4-byte length + bytes per element). */
const SIZE: Partial<Record<Dtype, number>> = {
  bool: 1,
  uint8: 1,
  int8: 1,
  uint16: 2,
  int16: 2,
  float16: 2,
  bfloat16: 2,
  uint32: 4,
  int32: 4,
  float32: 4,
  uint64: 8,
  int64: 8,
  float64: 8,
}

/** Every datatype name the protocol defines, for error messages. */
export const OIP_DATATYPES: readonly string[] = Object.values(OIP_OF)

/** The OIP datatype of an ONNX dtype (`INT4`/`UINT4` for the packed types, which OIP lacks). */
export function oipDatatype(dtype: Dtype): string {
  return OIP_OF[dtype] ?? dtype.toUpperCase()
}

/** The ONNX dtype of an OIP datatype, or null when the protocol has no such datatype. */
export function dtypeOf(datatype: string): Dtype | null {
  return DTYPE_OF.get(datatype) ?? null
}

/** Bytes per element of a fixed-size dtype; null for BYTES and the packed 4-bit types. */
export function elementSize(dtype: Dtype): number | null {
  return SIZE[dtype] ?? null
}
