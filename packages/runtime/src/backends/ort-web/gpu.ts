/**
 * ort-web's one WebGPU device: adapter and device requested once (a software adapter is told apart from
 * a GPU), handed to ONNX Runtime, watched for loss, and one queue for everything done on it.
 */
import { Serial } from '../ort-session.js'

/** The slice of the WebGPU API used here (structural, so the DOM lib's WebGPU types stay optional). */
export interface GPULike {
  requestAdapter(opts?: { powerPreference?: string }): Promise<GPUAdapterLike | null>
}
export interface GPUAdapterLike {
  isFallbackAdapter?: boolean
  info?: {
    vendor?: string
    architecture?: string
    device?: string
    description?: string
    isFallbackAdapter?: boolean
  }
  requestDevice(): Promise<GPUDeviceLike>
}
export interface GPUDeviceLike {
  lost: Promise<{ reason?: string; message?: string }>
  destroy(): void
}

export type GpuProbe =
  | { ok: true; device: GPUDeviceLike; software: string | null }
  | { ok: false; reason: string }

const SOFTWARE = /swiftshader|llvmpipe|lavapipe|softpipe|software|basic render/i

/** The adapter's name when it is a software rasterizer (CPU), else null. */
export function softwareAdapter(adapter: GPUAdapterLike): string | null {
  const info = adapter.info ?? {}
  const text = [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' ')
  if (SOFTWARE.test(text)) return text
  if (adapter.isFallbackAdapter || info.isFallbackAdapter) return text || 'fallback adapter'
  return null
}

/** Requests an adapter and a device; the reason names the first step that failed. */
export async function probeWebgpu(gpu: GPULike | undefined): Promise<GpuProbe> {
  if (!gpu) return { ok: false, reason: 'no-webgpu-api' }
  let adapter: GPUAdapterLike | null
  try {
    adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' })
  } catch {
    adapter = null
  }
  if (!adapter) return { ok: false, reason: 'no-adapter' }
  try {
    return { ok: true, device: await adapter.requestDevice(), software: softwareAdapter(adapter) }
  } catch (err) {
    return { ok: false, reason: `device-failed: ${err instanceof Error ? err.message : String(err)}` }
  }
}

/** Thrown into a run when the device went away; see DeviceLostError. */
const LOST = Symbol('lost')

export class WebGpu {
  #probed: Promise<GpuProbe> | undefined
  #device: GPUDeviceLike | undefined
  /** Why the device is gone, once it is. */
  lost: string | null = null
  /** Resolves when the device is lost (runs race it). */
  readonly whenLost: Promise<typeof LOST>
  #markLost: () => void = () => {}
  /** Session creations and runs on this device, one at a time (ORT's WebGPU EP is not safe otherwise). */
  readonly queue = new Serial()

  #gpu: GPULike | undefined

  constructor(gpu: GPULike | undefined) {
    this.#gpu = gpu
    this.whenLost = new Promise((resolve) => {
      this.#markLost = () => resolve(LOST)
    })
  }

  /** Adapter + device, once; the device is kept for the backend's life (releasing a session keeps it). */
  probe(): Promise<GpuProbe> {
    this.#probed ??= probeWebgpu(this.#gpu).then((p) => {
      if (p.ok) {
        this.#device = p.device
        p.device.lost.then((info) => {
          this.lost ??= info?.message || info?.reason || 'device lost'
          this.#markLost()
        })
      }
      return p
    })
    return this.#probed
  }

  /** Gives ORT this device, so a loss of it is a loss of ORT's. */
  attach(env: { webgpu?: unknown }): void {
    if (!this.#device) return
    try {
      ;(env.webgpu as { device?: unknown }).device = this.#device
    } catch {
      // a build whose `device` is read-only makes its own device
    }
  }

  /** Runs `task` on the device's queue; resolves with LOST when the device goes first. */
  run<T>(task: () => Promise<T>): Promise<T | typeof LOST> {
    return this.queue.run(() => (this.lost ? Promise.resolve(LOST) : Promise.race([task(), this.whenLost])))
  }
}

export const isLost = (x: unknown): x is typeof LOST => x === LOST
