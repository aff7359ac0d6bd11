/** Loads one onnxruntime-web build (WebGPU or plain WASM) once and configures its `env`. */
import { FerryError } from '@ferry/protocol'
import { type OrtLike, Serial } from '../ort-session.js'

/** The part of onnxruntime-web's module used here. */
export type OrtWebModule = OrtLike & {
  env: { wasm: Record<string, unknown>; webgpu?: unknown; logLevel?: string }
}

export interface OrtWebSettings {
  wasmPaths?: string
  numThreads?: number
  crossOriginIsolated?: boolean
  hardwareConcurrency?: number
}

export class OrtWebBuild {
  #mod: Promise<OrtWebModule> | undefined
  /** Session creations in this build, one at a time. */
  readonly creates = new Serial()

  #load: () => Promise<unknown>
  #label: string
  #settings: OrtWebSettings

  constructor(load: () => Promise<unknown>, label: string, settings: OrtWebSettings) {
    this.#load = load
    this.#label = label
    this.#settings = settings
  }

  /**
   * The module, configured; later calls share it. A build that fails to load (a network blip, a file
   * missing on a CDN) is BACKEND_UNAVAILABLE and is not remembered: the next call tries again.
   */
  get(): Promise<OrtWebModule> {
    this.#mod ??= this.#load().then(
      (m) => {
        const d = (m as { default?: OrtWebModule }).default
        const ort = (d?.InferenceSession ? d : m) as OrtWebModule
        const s = this.#settings
        if (s.wasmPaths) ort.env.wasm.wasmPaths = s.wasmPaths
        // WASM threads need SharedArrayBuffer, which only cross-origin isolated pages have.
        ort.env.wasm.numThreads =
          s.numThreads ?? (s.crossOriginIsolated ? Math.max(1, Math.min(4, s.hardwareConcurrency ?? 1)) : 1)
        ort.env.wasm.proxy = false
        ort.env.logLevel = 'error'
        return ort
      },
      (err) => {
        this.#mod = undefined
        throw new FerryError(
          'BACKEND_UNAVAILABLE',
          `could not load ONNX Runtime (${this.#label} build): ${err}`,
          {
            cause: err,
          },
        )
      },
    )
    return this.#mod
  }
}
