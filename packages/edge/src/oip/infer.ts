/**
 * One inference, whatever the transport (REST JSON, REST binary, gRPC): checks the decoded request against
 * the model's signature, runs it on the engine (queue, batching, cancellation are the engine's), picks
 * the requested outputs, and records the request in the metrics.
 */
import { FerryError, type TensorSpec } from '@ferry/protocol'
import { checkShape, dtypeOf, elementSize, OIP_DATATYPES, oipDatatype } from '@ferry/protocol/oip'
import type { EdgeEngine, LoadedModel, RunTiming, Tensor } from '../engine.js'
import type { EdgeMetrics, Outcome } from '../metrics/metrics.js'
import type { ModelManager } from '../models/manager.js'

/** An input as a transport decoded its envelope; `decode` turns its data into a tensor. */
export interface RequestInput {
  name: string
  datatype: unknown
  shape: unknown
  decode(dtype: TensorSpec['dtype'], dims: number[]): Tensor
  /** A raw binary request's body (Triton: `Inference-Header-Content-Length: 0`), for the model's only input. */
  raw?: Uint8Array
}

export interface RequestedOutput {
  name: string
  /** Triton's `binary_data` parameter (REST) */
  binary?: boolean
}

/** A decoded inference request. */
export interface InferRequest {
  id?: string
  parameters: Record<string, unknown>
  inputs: RequestInput[]
  outputs: RequestedOutput[] | null
}

export interface InferOutput {
  name: string
  tensor: Tensor
  requested: RequestedOutput | null
}

export interface InferResult {
  model: LoadedModel
  id?: string
  outputs: InferOutput[]
  /** This request's own queue wait, its batch's compute time and size, on this server. */
  timing: RunTiming
}

export interface InferContext {
  models: ModelManager
  engine: EdgeEngine
  metrics: EdgeMetrics
  /** Server-wide request timeout in ms (0: none); a request's `timeout` parameter (µs) may shorten it. */
  timeoutMs: number
}

const list = (specs: readonly TensorSpec[]) => specs.map((s) => `"${s.name}"`).join(', ')

/** Fills in a raw binary request's input: the model's only one, its one variable dim from the byte size. */
function rawInput(model: LoadedModel, input: RequestInput, raw: Uint8Array): RequestInput {
  const specs = model.manifest.inputs
  const spec = specs[0]
  if (specs.length !== 1 || !spec)
    throw new FerryError(
      'BAD_REQUEST',
      `a raw binary request (Inference-Header-Content-Length: 0) needs a model with one input; ${model.name} takes ${list(specs)}`,
    )
  const size = elementSize(spec.dtype)
  const free = spec.shape.filter((d) => typeof d !== 'number').length
  const fixed = spec.shape.reduce<number>((n, d) => (typeof d === 'number' ? n * d : n), 1)
  if (size === null || free > 1 || fixed === 0 || raw.byteLength % (size * fixed) !== 0)
    throw new FerryError(
      'SHAPE_MISMATCH',
      `a raw binary request of ${raw.byteLength} bytes does not fit input "${spec.name}" (${oipDatatype(spec.dtype)} [${spec.shape.join(', ')}]); send a JSON header with its shape`,
    )
  const n = raw.byteLength / size / fixed
  const shape = spec.shape.map((d) => (typeof d === 'number' ? d : n))
  return { ...input, name: spec.name, datatype: oipDatatype(spec.dtype), shape }
}

/** Checks inputs against the signature and decodes them. */
function decodeInputs(model: LoadedModel, given: RequestInput[]): Record<string, Tensor> {
  const specs = model.manifest.inputs
  const inputs = given.map((i) => (i.raw ? rawInput(model, i, i.raw) : i))
  const out: Record<string, Tensor> = {}
  for (const input of inputs) {
    const spec = specs.find((s) => s.name === input.name)
    if (!spec)
      throw new FerryError(
        'INPUT_NAME',
        `unknown input "${input.name}"; ${model.name}@${model.version} takes ${list(specs)}`,
      )
    if (out[input.name]) throw new FerryError('BAD_REQUEST', `input "${input.name}" is given twice`)
    const want = oipDatatype(spec.dtype)
    if (typeof input.datatype !== 'string' || dtypeOf(input.datatype) === null)
      throw new FerryError(
        'DTYPE_MISMATCH',
        `input "${input.name}": datatype ${JSON.stringify(input.datatype)} is not one of ${OIP_DATATYPES.join(', ')} (the model expects ${want})`,
      )
    if (input.datatype !== want)
      throw new FerryError(
        'DTYPE_MISMATCH',
        `input "${input.name}": datatype ${input.datatype}, but the model expects ${want}`,
      )
    const dims = checkShape(input.name, input.shape)
    out[input.name] = input.decode(spec.dtype, dims)
  }
  for (const spec of specs)
    if (!out[spec.name])
      throw new FerryError(
        'INPUT_MISSING',
        `missing input "${spec.name}" (${oipDatatype(spec.dtype)} [${spec.shape.map((d) => (typeof d === 'number' ? d : -1)).join(', ')}])`,
      )
  return out
}

function timeoutOf(req: InferRequest, serverMs: number): number {
  const p = req.parameters.timeout
  if (p === undefined) return serverMs
  const us = typeof p === 'string' ? Number(p) : p
  if (typeof us !== 'number' || !Number.isFinite(us) || us < 0)
    throw new FerryError(
      'BAD_REQUEST',
      `parameter "timeout" must be a number of microseconds, got ${JSON.stringify(p)}`,
    )
  const ms = us / 1000
  return serverMs > 0 && us > 0 ? Math.min(serverMs, ms) : ms || serverMs
}

function outcomeOf(err: unknown): Outcome {
  const code = (err as { code?: string })?.code
  if (code === 'QUEUE_FULL') return 'rejected'
  if (code === 'ABORTED') return 'canceled'
  if (code === 'TIMEOUT') return 'timeout'
  const status = (err as { status?: number })?.status
  return typeof status === 'number' && status < 500 ? 'client_error' : 'error'
}

/** Runs `req` on `name` / `version`; `signal` is the client's connection (gone: the request is cancelled). */
export async function infer(
  ctx: InferContext,
  name: string,
  version: string | undefined,
  req: InferRequest,
  signal?: AbortSignal,
): Promise<InferResult> {
  const t0 = performance.now()
  let model: LoadedModel | null = null
  let rows = 1
  let lease: Awaited<ReturnType<ModelManager['acquire']>> | null = null
  let labels: { model: string; version: string } | null = null
  try {
    lease = await ctx.models.acquire(name, version)
    model = lease.model
    labels = { model: ctx.metrics.label(model.name), version: String(model.version) }
    ctx.metrics.inflight.inc(labels)
    const inputs = decodeInputs(model, req.inputs)
    const outSpecs = model.manifest.outputs
    if (req.outputs)
      for (const o of req.outputs)
        if (outSpecs.length > 0 && !outSpecs.some((s) => s.name === o.name))
          throw new FerryError(
            'BAD_REQUEST',
            `unknown output "${o.name}"; ${model.name}@${model.version} produces ${list(outSpecs)}`,
          )
    const first = model.manifest.inputs[0]
    if (first && typeof first.shape[0] === 'string') rows = inputs[first.name]?.dims[0] ?? 1
    const ms = timeoutOf(req, ctx.timeoutMs)
    const timer = ms > 0 ? AbortSignal.timeout(ms) : undefined
    const signals = [signal, timer].filter((s): s is AbortSignal => s !== undefined)
    const runSignal = signals.length > 1 ? AbortSignal.any(signals) : signals[0]
    let outputs: Record<string, Tensor>
    let timing: RunTiming
    try {
      const r = await ctx.engine.run(model, inputs, runSignal ? { signal: runSignal } : {})
      outputs = r.outputs
      timing = r.timing
      ctx.metrics.queued(model.name, model.version, r.timing.queueMs)
    } catch (err) {
      if (timer?.aborted && (err as { code?: string })?.code === 'ABORTED')
        throw new FerryError('TIMEOUT', `the request did not finish within its ${ms} ms timeout`)
      throw err
    }
    const order = req.outputs?.map((o) => o.name) ?? [
      ...outSpecs.map((s) => s.name).filter((n) => n in outputs),
      ...Object.keys(outputs).filter((n) => !outSpecs.some((s) => s.name === n)),
    ]
    const result: InferResult = {
      model,
      outputs: order.map((n) => ({
        name: n,
        tensor: outputs[n] as Tensor,
        requested: req.outputs?.find((o) => o.name === n) ?? null,
      })),
      timing,
      ...(req.id !== undefined ? { id: req.id } : {}),
    }
    ctx.metrics.request(model.name, model.version, 'success', (performance.now() - t0) / 1000, rows)
    return result
  } catch (err) {
    ctx.metrics.request(
      model?.name ?? name,
      model?.version ?? null,
      outcomeOf(err),
      (performance.now() - t0) / 1000,
      rows,
    )
    throw err
  } finally {
    if (labels) ctx.metrics.inflight.inc(labels, -1)
    lease?.release()
  }
}
