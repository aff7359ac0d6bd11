/**
 * What ONNX Runtime's builds share (onnxruntime-web and -node have the same API): one session creation at
 * a time per module, and an InferenceSession wrapped as a Ferry Session (tensors in, tensors out).
 */
import type { BackendName, Dtype } from '@ferry/protocol'
import type { Tensor } from '../tensors/tensor.js'
import type { Session } from './types.js'

/** The slice of an ONNX Runtime module (web or node) the backends use. */
export interface OrtLike {
  Tensor: new (type: string, data: unknown, dims: readonly number[]) => unknown
  InferenceSession: {
    create(model: Uint8Array, options: Record<string, unknown>): Promise<OrtSessionLike>
  }
}

export interface OrtSessionLike {
  run(feeds: Record<string, unknown>): Promise<Record<string, unknown>>
  release(): Promise<void>
}

/** Runs tasks one after another (ORT cannot create two sessions at once in one module). */
export class Serial {
  #tail: Promise<unknown> = Promise.resolve()

  /** Runs `task` after every task queued before it; its failure does not stop the next. */
  run<T>(task: () => Promise<T>): Promise<T> {
    const next = this.#tail.then(task, task)
    this.#tail = next.catch(() => {})
    return next
  }
}

export interface WrapOptions {
  device: BackendName
  bytes?: number
  /** Wraps each run (the WebGPU device's queue, a loss watch); default: run as is. */
  around?: <T>(run: () => Promise<T>) => Promise<T>
}

/** A Ferry Session over an ORT InferenceSession. */
export function wrapOrtSession(ort: OrtLike, session: OrtSessionLike, opts: WrapOptions): Session {
  const around = opts.around ?? ((run) => run())
  return {
    device: opts.device,
    ...(opts.bytes === undefined ? {} : { bytes: opts.bytes }),
    async run(feeds) {
      const ortFeeds: Record<string, unknown> = {}
      for (const [k, t] of Object.entries(feeds)) ortFeeds[k] = new ort.Tensor(t.dtype, t.data, t.dims)
      const raw = await around(() => session.run(ortFeeds))
      const out: Record<string, Tensor> = {}
      for (const [k, v] of Object.entries(raw)) {
        const t = v as { data: Tensor['data']; dims: readonly number[]; type: string }
        out[k] = { data: t.data, dims: [...t.dims], dtype: t.type as Dtype }
      }
      return out
    },
    release: () => session.release().catch(() => {}),
  }
}

/** ORT's session options for one execution provider, with the version's external-data files. */
export function sessionOptions(
  ep: string,
  external: { path: string; data: Uint8Array }[],
): Record<string, unknown> {
  return {
    executionProviders: [ep],
    graphOptimizationLevel: 'all',
    ...(external.length > 0 ? { externalData: external } : {}),
  }
}
