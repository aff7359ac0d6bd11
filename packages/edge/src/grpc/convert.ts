/**
 * gRPC messages (as @grpc/proto-loader decodes them: snake_case fields, int64 as decimal strings, bytes as
 * Uint8Array) ↔ the protocol-neutral InferRequest / InferResult, and Ferry error codes → gRPC status codes.
 */
import { type Dtype, FerryError } from '@ferry/protocol'
import { dtypeOf, fromBytes, fromValues, oipDatatype, toBytes, toValues } from '@ferry/protocol/oip'
import type { InferRequest, InferResult } from '../oip/infer.js'

type Param = {
  bool_param?: boolean
  int64_param?: string
  string_param?: string
  double_param?: number
  uint64_param?: string
  parameter_choice?: string
}
type Contents = Record<string, unknown[] | undefined>

export interface GrpcInferRequest {
  model_name: string
  model_version: string
  id: string
  parameters: Record<string, Param>
  inputs: { name: string; datatype: string; shape: (string | number)[]; contents?: Contents | null }[]
  outputs: { name: string }[]
  raw_input_contents: Uint8Array[]
}

/** The typed-contents field that carries each dtype (FP16/BF16 have none: raw only). */
const FIELD: Partial<Record<Dtype, string>> = {
  bool: 'bool_contents',
  int8: 'int_contents',
  int16: 'int_contents',
  int32: 'int_contents',
  int64: 'int64_contents',
  uint8: 'uint_contents',
  uint16: 'uint_contents',
  uint32: 'uint_contents',
  uint64: 'uint64_contents',
  float32: 'fp32_contents',
  float64: 'fp64_contents',
  string: 'bytes_contents',
}

function paramValue(p: Param): unknown {
  const k = p.parameter_choice
  if (k === 'int64_param' || k === 'uint64_param') return Number(p[k])
  return k ? p[k as keyof Param] : undefined
}

/** Decodes a ModelInferRequest; raw_input_contents, when present, carries every input in order. */
export function decodeGrpcRequest(msg: GrpcInferRequest): InferRequest {
  const raw = msg.raw_input_contents ?? []
  if (!msg.inputs || msg.inputs.length === 0) throw new FerryError('BAD_REQUEST', 'the request has no inputs')
  if (raw.length > 0 && raw.length !== msg.inputs.length)
    throw new FerryError(
      'BAD_REQUEST',
      `raw_input_contents has ${raw.length} entries but there are ${msg.inputs.length} inputs; give one per input, in order`,
    )
  const parameters: Record<string, unknown> = {}
  for (const [k, p] of Object.entries(msg.parameters ?? {})) parameters[k] = paramValue(p)
  return {
    ...(msg.id ? { id: msg.id } : {}),
    parameters,
    inputs: msg.inputs.map((t, i) => ({
      name: t.name,
      datatype: t.datatype,
      shape: t.shape,
      decode: (dtype, dims) => {
        const bytes = raw[i]
        if (bytes) {
          if (t.contents && Object.values(t.contents).some((v) => Array.isArray(v) && v.length > 0))
            throw new FerryError(
              'BAD_REQUEST',
              `input "${t.name}" has contents and raw_input_contents; use one`,
            )
          return fromBytes(t.name, dtype, dims, bytes)
        }
        const field = FIELD[dtype]
        if (!field)
          throw new FerryError(
            'DTYPE_MISMATCH',
            `input "${t.name}": ${oipDatatype(dtype)} travels in raw_input_contents (no typed contents field holds it)`,
          )
        const values = t.contents?.[field]
        if (!values || (values.length === 0 && dims.reduce((n, d) => n * d, 1) > 0))
          throw new FerryError(
            'BAD_REQUEST',
            `input "${t.name}": no data; give contents.${field} or raw_input_contents`,
          )
        return fromValues(t.name, dtype, dims, values)
      },
    })),
    outputs: msg.outputs?.length ? msg.outputs.map((o) => ({ name: o.name })) : null,
  }
}

/** Encodes a result: raw_output_contents when the request used raw inputs or an output has no typed field. */
export function encodeGrpcResponse(result: InferResult, rawRequest: boolean) {
  const raw = rawRequest || result.outputs.some((o) => !FIELD[o.tensor.dtype])
  return {
    model_name: result.model.name,
    model_version: String(result.model.version),
    id: result.id ?? '',
    // As the REST answer's parameters (see timingParameters): where and how long it ran here.
    parameters: {
      queue_ms: { double_param: result.timing.queueMs },
      compute_ms: { double_param: result.timing.computeMs },
      batch_size: { int64_param: String(result.timing.batch) },
      backend: { string_param: result.model.backend },
    },
    outputs: result.outputs.map((o) => {
      const base = { name: o.name, datatype: oipDatatype(o.tensor.dtype), shape: o.tensor.dims.map(String) }
      if (raw) return base
      const values = toValues(o.tensor).map((v) =>
        typeof v === 'bigint' ? v.toString() : typeof v === 'string' ? new TextEncoder().encode(v) : v,
      )
      return { ...base, contents: { [FIELD[o.tensor.dtype] as string]: values } }
    }),
    raw_output_contents: raw ? result.outputs.map((o) => toBytes(o.tensor)) : [],
  }
}

/** gRPC status codes (grpc/status.h). */
export const Status = {
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const

/** The gRPC status for a Ferry error. */
export function grpcStatus(err: unknown): number {
  const code = (err as { code?: string })?.code
  const status = (err as { status?: number })?.status
  switch (code) {
    case 'QUEUE_FULL':
    case 'PAYLOAD_TOO_LARGE':
      return Status.RESOURCE_EXHAUSTED
    case 'ABORTED':
      return Status.CANCELLED
    case 'TIMEOUT':
      return Status.DEADLINE_EXCEEDED
    case 'UNAUTHORIZED':
      return Status.UNAUTHENTICATED
    case 'FORBIDDEN':
      return Status.PERMISSION_DENIED
    case 'INTEGRITY_MISMATCH':
    case 'MODEL_UNLOADED':
      return Status.UNAVAILABLE
  }
  if (typeof status !== 'number') return Status.INTERNAL
  if (status === 404) return Status.NOT_FOUND
  if (status === 503 || status === 502) return Status.UNAVAILABLE
  if (status >= 400 && status < 500) return Status.INVALID_ARGUMENT
  return Status.INTERNAL
}

/** True when `datatype` names a protocol datatype (for messages). */
export const knownDatatype = (d: string) => dtypeOf(d) !== null
