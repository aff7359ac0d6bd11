/** The engine's one WebGPU device: probed once, handed to ORT, watched for loss (real or forced by a test hook). */

import type { OrtModule } from '../backends/ort.js'
import { type GpuProbe, probeWebgpu } from '../backends/webgpu.js'
import type { GPUDeviceLike } from '../platform/env.js'

/** Thrown inside a run when the device went away; the engine retries the run on WASM. */
export class DeviceLost extends Error {}

export class GpuState {
  private probe: Promise<GpuProbe> | undefined
  private device: GPUDeviceLike | undefined
  /** Why the device is gone, once it is. */
  lost: string | null = null
  /** Rejects with DeviceLost when the device is lost; race runs against it. */
  readonly lostSignal: Promise<never>
  private rejectLost!: (e: DeviceLost) => void
  /** Runs done on WebGPU so far (for the `loseDeviceAfterRuns` test hook). */
  runs = 0

  constructor() {
    this.lostSignal = new Promise<never>((_, reject) => {
      this.rejectLost = reject
    })
    this.lostSignal.catch(() => {})
  }

  /** Adapter + device, once per engine. */
  check(): Promise<GpuProbe> {
    this.probe ??= probeWebgpu().then((p) => {
      if (p.ok) {
        this.device = p.device
        p.device.lost.then((info) => this.markLost(info?.message || info?.reason || 'device lost'))
      }
      return p
    })
    return this.probe
  }

  /** Gives ORT our device, so a loss of it is a loss of ORT's. */
  attach(ort: OrtModule): void {
    if (!this.device) return
    try {
      ;(ort.env.webgpu as { device?: unknown }).device = this.device
    } catch {
      // older ORT builds make `device` read-only; ORT then creates its own device
    }
  }

  /** Destroys the device, as the `loseDeviceAfterRuns` test hook asks. */
  loseForTest(): void {
    this.markLost('destroyed by test hook')
    this.device?.destroy()
  }

  private markLost(reason: string): void {
    if (this.lost) return
    this.lost = reason
    this.rejectLost(new DeviceLost(reason))
  }
}
