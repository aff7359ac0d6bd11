/** Environment detection in one place: what this JavaScript host offers, as one frozen object. */

type G = typeof globalThis & {
  Deno?: unknown
  process?: { versions?: { node?: string } }
  WorkerGlobalScope?: unknown
  document?: unknown
  crossOriginIsolated?: boolean
  navigator?: { gpu?: unknown; hardwareConcurrency?: number }
}

export interface Capabilities {
  /** Host kind, as telemetry reports it. */
  env: 'browser' | 'worker' | 'deno' | 'node' | 'other'
  /** `new Worker(url, { type: 'module' })` is available. */
  workers: boolean
  /** `navigator.gpu` exists (an adapter may still be refused). */
  webgpuApi: boolean
  /** SharedArrayBuffer-based WASM threads are allowed. */
  crossOriginIsolated: boolean
  hardwareConcurrency: number
}

/** Detects the current host's capabilities (call once, keep the frozen result). */
export function detectCapabilities(): Readonly<Capabilities> {
  const g = globalThis as G
  const env: Capabilities['env'] =
    g.Deno !== undefined
      ? 'deno'
      : g.process?.versions?.node !== undefined && g.document === undefined
        ? 'node'
        : g.document !== undefined
          ? 'browser'
          : g.WorkerGlobalScope !== undefined
            ? 'worker'
            : 'other'
  return Object.freeze({
    env,
    workers: typeof Worker !== 'undefined' && (env === 'browser' || env === 'worker'),
    webgpuApi: g.navigator?.gpu !== undefined,
    crossOriginIsolated: g.crossOriginIsolated === true,
    hardwareConcurrency: g.navigator?.hardwareConcurrency ?? 1,
  })
}

/** `navigator.gpu`, when the host has one. */
export function webgpu(): GPULike | undefined {
  return (globalThis as G).navigator?.gpu as GPULike | undefined
}

/** The slice of the WebGPU API the runtime uses (kept structural so the DOM lib's WebGPU types are optional). */
export interface GPULike {
  requestAdapter(opts?: { powerPreference?: string }): Promise<GPUAdapterLike | null>
}
export interface GPUAdapterLike {
  requestDevice(): Promise<GPUDeviceLike>
}
export interface GPUDeviceLike {
  lost: Promise<{ reason?: string; message?: string }>
  destroy(): void
}
