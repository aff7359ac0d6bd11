// What this browser's WebGPU really offers, as far as the runtime has said: whether the API exists
// (`ferry.capabilities`), then what each load found (the backend a model got, or why not WebGPU).
import type { BackendChoice } from '../runtime.js'

export type GpuStatus =
  /** The API exists; no load has said more yet. */
  | { kind: 'unknown' }
  | { kind: 'no-api' }
  | { kind: 'no-adapter' }
  /** The only adapter is a software rasterizer (a CPU): Auto passes over it. */
  | { kind: 'software'; adapter: string }
  /** An adapter, but no device from it. */
  | { kind: 'device-failed'; detail: string }
  /** A model runs on WebGPU under Auto, which takes no software adapter: a GPU. */
  | { kind: 'gpu' }
  /** A model runs on WebGPU asked for by name (a software adapter would be taken too). */
  | { kind: 'webgpu-named' }

/** What a load (or a fallback later) showed: the device the model runs on, and why not the first one. */
export interface Observation {
  backend: string
  fallback: { from: string; reason: string } | null
  /** The backend choice the runtime was opened with. */
  choice: BackendChoice
}

/** Where the playground starts: the runtime's capabilities say whether there is a WebGPU API at all. */
export function initialGpuStatus(webgpuApi: boolean): GpuStatus {
  return webgpuApi ? { kind: 'unknown' } : { kind: 'no-api' }
}

const after = (reason: string, prefix: string) => reason.slice(prefix.length).replace(/^:\s*/, '')

/**
 * Folds one observation into what is known. Only reasons about the adapter count (`no-webgpu-api`,
 * `no-adapter`, `software-adapter: …`, `device-failed: …`); a session or run that failed, a lost device
 * and `not-requested` are about one model or the choice, not about what the browser offers.
 */
export function observeGpu(known: GpuStatus, o: Observation): GpuStatus {
  const reason = o.fallback?.from === 'webgpu' ? o.fallback.reason : ''
  if (reason.startsWith('no-webgpu-api')) return { kind: 'no-api' }
  if (reason.startsWith('no-adapter')) return { kind: 'no-adapter' }
  if (reason.startsWith('software-adapter'))
    return { kind: 'software', adapter: after(reason, 'software-adapter') || 'a fallback adapter' }
  if (reason.startsWith('device-failed'))
    return { kind: 'device-failed', detail: after(reason, 'device-failed') }
  if (o.backend !== 'webgpu') return known
  if (o.choice === 'auto') return { kind: 'gpu' }
  // Asked for by name: the adapter may be a software one; keep what an earlier Auto load found.
  return known.kind === 'software' || known.kind === 'gpu' ? known : { kind: 'webgpu-named' }
}

/** One or two sentences for the visitor: what is true of this browser's WebGPU, and what each choice does. */
export function describeGpu(s: GpuStatus): string {
  switch (s.kind) {
    case 'unknown':
      return 'This browser has the WebGPU API. Whether it also has an adapter (a GPU, or a software one) shows when a model loads.'
    case 'no-api':
      return 'This browser has no WebGPU API: models run on WASM whatever the choice.'
    case 'no-adapter':
      return 'This browser has the WebGPU API but no adapter (no usable GPU): models run on WASM, with the reason.'
    case 'software':
      return `WebGPU's only adapter here is a software one (${s.adapter}): a CPU standing in for a GPU, slower than WASM. Auto passes over it; choosing WebGPU uses it anyway.`
    case 'device-failed':
      return `This browser has a WebGPU adapter, but it gave no device (${s.detail}): models run on WASM.`
    case 'gpu':
      return 'WebGPU runs on a GPU here: Auto uses it.'
    case 'webgpu-named':
      return 'WebGPU works here and runs the models it was chosen for. Auto would pass over it if its adapter were a software one: switch to Auto to see.'
  }
}
