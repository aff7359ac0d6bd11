/**
 * ONNX Runtime Web wiring: loads the module once, configures `env` (wasm paths, threads), and creates
 * sessions one at a time (ORT cannot create sessions concurrently) through one promise chain.
 */

import { type BackendName, FerryError } from '@ferry/protocol'
import type * as Ort from 'onnxruntime-web'

export type OrtModule = typeof Ort
export type OrtSession = Ort.InferenceSession

export interface OrtSettings {
  wasmPaths?: string
  numThreads?: number
  crossOriginIsolated: boolean
  hardwareConcurrency: number
}

/** Every session creation in this realm waits for the previous one (ORT cannot create them concurrently). */
let chain: Promise<unknown> = Promise.resolve()

/** The ONNX Runtime module of one engine, loaded on first use. */
export class OrtHost {
  private mod: Promise<OrtModule> | undefined

  constructor(
    private readonly load: (flavor: 'webgpu' | 'wasm') => Promise<unknown>,
    private readonly settings: OrtSettings,
  ) {}

  /**
   * Loads ORT (the WebGPU-capable build when `flavor` is webgpu) and configures it; later calls share it.
   * A build that fails to load (a network blip, a file missing on a CDN) is BACKEND_UNAVAILABLE and is
   * not remembered: the next call tries again (browsers refetch a module whose import failed).
   */
  module(flavor: 'webgpu' | 'wasm'): Promise<OrtModule> {
    this.mod ??= this.load(flavor).then(
      (m) => {
        const ort = (
          (m as { default?: OrtModule }).default?.InferenceSession ? (m as { default: OrtModule }).default : m
        ) as OrtModule
        const s = this.settings
        if (s.wasmPaths) ort.env.wasm.wasmPaths = s.wasmPaths
        // WASM threads need SharedArrayBuffer, which only cross-origin isolated pages have.
        ort.env.wasm.numThreads =
          s.numThreads ?? (s.crossOriginIsolated ? Math.max(1, Math.min(4, s.hardwareConcurrency)) : 1)
        ort.env.wasm.proxy = false
        ort.env.logLevel = 'error'
        return ort
      },
      (err) => {
        this.mod = undefined
        throw new FerryError('BACKEND_UNAVAILABLE', `could not load ONNX Runtime (${flavor} build): ${err}`, {
          cause: err,
        })
      },
    )
    return this.mod
  }

  /** True once the module has been requested. */
  get loaded(): boolean {
    return this.mod !== undefined
  }

  /** Creates a session on `backend`, after every session creation already queued in this realm. */
  createSession(
    ort: OrtModule,
    model: Uint8Array,
    backend: BackendName,
    externalData: { path: string; data: Uint8Array }[],
  ): Promise<OrtSession> {
    const next = chain.then(() =>
      ort.InferenceSession.create(model, {
        executionProviders: [backend],
        graphOptimizationLevel: 'all',
        ...(externalData.length > 0 ? { externalData } : {}),
      }),
    )
    chain = next.catch(() => {})
    return next
  }
}
