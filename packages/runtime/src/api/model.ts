/** A loaded model on the device as the caller holds it: its info, the device it runs on now, `infer`, `run`, `unload`. */
import type { EngineApi, ModelInfo, RunResult } from '../engine/types.js'
import { buffersOf, copyInputs } from '../engine/wire.js'
import type { Inputs } from '../tensors/tensor.js'
import { withSignal } from './signal.js'
import type { InferResult, Model, RunOptions } from './types.js'

/** The engine as the runtime calls it; across a worker, `run` also takes buffers to transfer. */
export type EngineClient = EngineApi & {
  run(handle: number, inputs: Inputs, callId?: number, transfer?: Transferable[]): Promise<RunResult>
}

export interface ModelContext {
  /** Calls the engine (errors rebuilt as FerryErrors). */
  call<T>(f: (e: EngineClient) => Promise<T>): Promise<T>
  /** Inputs cross to a worker: copied (or the caller's own, with `transfer`) and transferred. */
  inWorker: boolean
  nextCallId(): number
}

/** Wraps a ModelInfo from the engine as the caller's Model. */
export function makeModel(info: ModelInfo, ctx: ModelContext): Model {
  const { handle } = info
  let backend = info.backend
  let fallback = info.fallback
  const { manifest } = info
  const infer = async (inputs: Inputs, opts: RunOptions = {}): Promise<InferResult> => {
    const callId = opts.signal ? ctx.nextCallId() : undefined
    const p = ctx.call((e) => {
      if (!ctx.inWorker) return e.run(handle, inputs, callId)
      const [sent, buffers] = opts.transfer ? [inputs, buffersOf(inputs)] : copyInputs(inputs)
      return e.run(handle, sent, callId, buffers)
    })
    const abort = () => void ctx.call(async (e) => e.abort(callId as number)).catch(() => {})
    const r = await withSignal(p, opts.signal, abort)
    backend = r.backend
    fallback = r.fallback
    return { outputs: r.outputs, info: { placement: 'device', backend, ...r.timing } }
  }
  return {
    name: manifest.name,
    version: manifest.version,
    placement: 'device',
    get backend() {
      return backend
    },
    edge: null,
    get fallback() {
      return fallback
    },
    inputs: manifest.inputs,
    outputs: manifest.outputs,
    manifest,
    infer,
    run: async (inputs, opts) => (await infer(inputs, opts)).outputs,
    unload: () => ctx.call((e) => e.unload(handle)),
  }
}
