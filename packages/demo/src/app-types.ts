// The playground's state as the panels read it: a loaded model, one run, load progress, and the events the
// app emits.
import type { TelemetryEvent, TensorSpec } from '@ferry/protocol'
import type { GpuStatus } from './lib/webgpu-status.js'
import type { FerryModel } from './runtime.js'

export interface LoadedModel {
  name: string
  version: number
  /** Where it runs now: `device` or `edge` (it changes as the runtime moves it). */
  placement: string
  /** The device it runs on, or `edge`. */
  backend: string
  /** The edge's own backend for it, when an edge serves (or served) it. */
  edgeBackend: string | null
  fallback: { from: string; reason: string } | null
  inputs: TensorSpec[]
  outputs: TensorSpec[]
  source: string
  bytes: number
  loadMs: number
  handle: FerryModel
}

/** One inference, as the latency chart draws it (from the call's own `model.infer` info). */
export interface RunRecord {
  model: string
  placement: string
  backend: string
  queueMs: number
  computeMs: number
  /** On the edge: the call's time outside the server (network, encoding); 0 on the device. */
  networkMs: number
  ts: number
}

export interface LoadProgress {
  name: string
  phase: string
  loaded: number
  total: number
}

export interface Events {
  event: TelemetryEvent
  run: RunRecord
  models: undefined
  runtime: undefined
  gpu: GpuStatus
  progress: LoadProgress
  loadError: { name: string; code: string; message: string }
}

export type Listener<T> = (value: T) => void
