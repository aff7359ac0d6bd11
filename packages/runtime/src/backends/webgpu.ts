/** Finds out whether WebGPU really works here: API, adapter and device, each failure with its reason. */
import { type GPUDeviceLike, webgpu } from '../platform/env.js'

export type GpuProbe = { ok: true; device: GPUDeviceLike } | { ok: false; reason: string }

/** Requests an adapter and a device; the reason names the first step that failed. */
export async function probeWebgpu(): Promise<GpuProbe> {
  const gpu = webgpu()
  if (!gpu) return { ok: false, reason: 'no-webgpu-api' }
  let adapter: Awaited<ReturnType<typeof gpu.requestAdapter>>
  try {
    adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' })
  } catch {
    adapter = null
  }
  if (!adapter) return { ok: false, reason: 'no-adapter' }
  try {
    return { ok: true, device: await adapter.requestDevice() }
  } catch (err) {
    return { ok: false, reason: `device-failed: ${err instanceof Error ? err.message : String(err)}` }
  }
}
