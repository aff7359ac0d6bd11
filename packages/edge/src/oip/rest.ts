/**
 * REST inference bodies: KServe v2 JSON, and Triton's binary tensor data extension (a JSON header of
 * `Inference-Header-Content-Length` bytes, then each binary tensor in order; `Inference-Header-Content-Length:
 * 0` for a raw request to a one-input model). Decodes into an InferRequest and encodes results back.
 */
import { FerryError } from '@ferry/protocol'
import {
  fromBytes,
  fromValues,
  HEADER_LENGTH,
  joinBody,
  oipDatatype,
  toBytes,
  toJsonData,
} from '@ferry/protocol/oip'
import type { InferRequest, InferResult, RequestedOutput, RequestInput } from './infer.js'

export { HEADER_LENGTH, splitBody } from '@ferry/protocol/oip'

const isObject = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x)

function parameters(x: unknown, where: string): Record<string, unknown> {
  if (x === undefined) return {}
  if (!isObject(x)) throw new FerryError('BAD_REQUEST', `${where}: "parameters" must be an object`)
  for (const [k, v] of Object.entries(x))
    if (!['string', 'number', 'boolean'].includes(typeof v))
      throw new FerryError('BAD_REQUEST', `${where}: parameter "${k}" must be a string, number or boolean`)
  return x
}

/** Decodes a KServe v2 inference request (with binary data when `binary` is given). */
export function decodeRestRequest(json: unknown, binary: Uint8Array | null): InferRequest {
  if (json === null && binary) {
    // Raw binary request: the model's only input, all outputs as binary.
    const raw: RequestInput = {
      name: '',
      datatype: null,
      shape: null,
      raw: binary,
      decode: (dtype, dims) => fromBytes('(raw request body)', dtype, dims, binary),
    }
    return { parameters: { binary_data_output: true }, inputs: [raw], outputs: null }
  }
  if (!isObject(json))
    throw new FerryError('BAD_REQUEST', 'the inference request must be a JSON object with "inputs"')
  if (json.id !== undefined && typeof json.id !== 'string')
    throw new FerryError('BAD_REQUEST', `"id" must be a string, got ${JSON.stringify(json.id)}`)
  if (!Array.isArray(json.inputs) || json.inputs.length === 0)
    throw new FerryError('BAD_REQUEST', 'the inference request needs "inputs": a non-empty array of tensors')
  let offset = 0
  const inputs: RequestInput[] = json.inputs.map((x: unknown, i: number) => {
    if (!isObject(x) || typeof x.name !== 'string')
      throw new FerryError('BAD_REQUEST', `inputs[${i}] must be an object with a "name" string`)
    const name = x.name
    const params = parameters(x.parameters, `input "${name}"`)
    const size = params.binary_data_size
    if (size !== undefined) {
      if (!binary)
        throw new FerryError(
          'BAD_REQUEST',
          `input "${name}" has "binary_data_size" but the request has no binary part (send Inference-Header-Content-Length)`,
        )
      if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0)
        throw new FerryError('BAD_REQUEST', `input "${name}": "binary_data_size" must be a byte count`)
      if (offset + size > binary.byteLength)
        throw new FerryError(
          'BAD_REQUEST',
          `input "${name}": binary_data_size ${size} runs past the ${binary.byteLength} bytes of binary data (${offset} already used by earlier inputs)`,
        )
      if (x.data !== undefined)
        throw new FerryError('BAD_REQUEST', `input "${name}" has both "data" and "binary_data_size"`)
      const bytes = binary.subarray(offset, offset + size)
      offset += size
      return {
        name,
        datatype: x.datatype,
        shape: x.shape,
        decode: (d, dims) => fromBytes(name, d, dims, bytes),
      }
    }
    if (x.data === undefined)
      throw new FerryError('BAD_REQUEST', `input "${name}" has no "data" (nor "binary_data_size")`)
    return {
      name,
      datatype: x.datatype,
      shape: x.shape,
      decode: (d, dims) => fromValues(name, d, dims, x.data),
    }
  })
  if (binary && offset !== binary.byteLength)
    throw new FerryError(
      'BAD_REQUEST',
      `the body has ${binary.byteLength} bytes of binary data but the inputs' binary_data_size add up to ${offset}`,
    )
  let outputs: RequestedOutput[] | null = null
  if (json.outputs !== undefined) {
    if (!Array.isArray(json.outputs))
      throw new FerryError('BAD_REQUEST', '"outputs" must be an array of { "name" } objects')
    outputs = json.outputs.map((o: unknown, i: number) => {
      if (!isObject(o) || typeof o.name !== 'string')
        throw new FerryError('BAD_REQUEST', `outputs[${i}] must be an object with a "name" string`)
      const p = parameters(o.parameters, `output "${o.name}"`)
      if (p.binary_data !== undefined && typeof p.binary_data !== 'boolean')
        throw new FerryError('BAD_REQUEST', `output "${o.name}": "binary_data" must be true or false`)
      return { name: o.name, ...(p.binary_data !== undefined ? { binary: p.binary_data as boolean } : {}) }
    })
  }
  return {
    ...(json.id !== undefined ? { id: json.id as string } : {}),
    parameters: parameters(json.parameters, 'the request'),
    inputs,
    outputs,
  }
}

/** Encodes a result: JSON, or JSON + binary tensors when any output goes binary. */
export function encodeRestResponse(
  result: InferResult,
  req: InferRequest,
): { body: string | Uint8Array; headers: Record<string, string> } {
  const allBinary = req.parameters.binary_data_output === true
  const parts: string[] = []
  const blobs: Uint8Array[] = []
  for (const o of result.outputs) {
    const head = `{"name":${JSON.stringify(o.name)},"datatype":"${oipDatatype(o.tensor.dtype)}","shape":${JSON.stringify(o.tensor.dims)}`
    if (o.requested?.binary ?? allBinary) {
      const bytes = toBytes(o.tensor)
      blobs.push(bytes)
      parts.push(`${head},"parameters":{"binary_data_size":${bytes.byteLength}}}`)
    } else parts.push(`${head},"data":${toJsonData(o.tensor)}}`)
  }
  const json = `{"model_name":${JSON.stringify(result.model.name)},"model_version":"${result.model.version}"${
    result.id !== undefined ? `,"id":${JSON.stringify(result.id)}` : ''
  },"parameters":${JSON.stringify(timingParameters(result))},"outputs":[${parts.join(',')}]}`
  if (blobs.length === 0) return { body: json, headers: { 'content-type': 'application/json' } }
  const { body, headerLength } = joinBody(json, blobs)
  return {
    body,
    headers: { 'content-type': 'application/octet-stream', [HEADER_LENGTH]: String(headerLength) },
  }
}

/**
 * The answer's `parameters`: where and how long it ran on this server (`queue_ms`, `compute_ms`,
 * `batch_size`, `backend`), so a client can split its latency into network and server time.
 */
export function timingParameters(result: InferResult): Record<string, number | string> {
  const r = (ms: number) => Math.round(ms * 1000) / 1000
  return {
    queue_ms: r(result.timing.queueMs),
    compute_ms: r(result.timing.computeMs),
    batch_size: result.timing.batch,
    backend: result.model.backend,
  }
}
