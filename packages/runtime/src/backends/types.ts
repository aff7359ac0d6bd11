/**
 * The backend seam, after onnxruntime-common's: a Backend reads some model formats, offers devices
 * (ONNX Runtime's execution-provider names), probes each for real, and creates Sessions. The engine
 * knows nothing else about ONNX Runtime or any other framework.
 */
import type { BackendName, Manifest } from '@ferry/protocol'
import type { Tensor } from '../tensors/tensor.js'

export type { BackendName } from '@ferry/protocol'

/** Whether a device can be used here; `reason` says why not (`no-adapter`, `software-adapter`, …). */
export type Probe = { ok: true } | { ok: false; reason: string }

/** A version's verified files by path, and the one with role `model`. */
export interface ModelFiles {
  readonly model: Uint8Array
  get(path: string): Uint8Array | undefined
}

export interface RunOptions {
  signal?: AbortSignal
}

/** A model loaded on one device. */
export interface Session {
  readonly device: BackendName
  /** Bytes the session really holds (weights, arena), where the backend can measure them. */
  readonly bytes?: number
  run(feeds: Record<string, Tensor>, options?: RunOptions): Promise<Record<string, Tensor>>
  release(): Promise<void>
}

export interface Backend {
  /** Its own name (`ort-web`, `ort-node`), for reasons and listings. */
  readonly name: string
  /** Manifest formats it reads (`onnx`). */
  readonly formats: readonly string[]
  /** Devices it can offer, best first. */
  readonly devices: readonly BackendName[]
  /**
   * Whether `device` really works here. `explicit` is true when the caller asked for this device by
   * name, so a backend may refuse a device only for automatic choice (a software GPU adapter).
   */
  probe(device: BackendName, explicit: boolean): Promise<Probe>
  /** Creates a session on `device`. */
  createSession(files: ModelFiles, manifest: Manifest, device: BackendName): Promise<Session>
}

/**
 * Thrown by a session's `run` when its device went away under it (a lost WebGPU device): the engine
 * moves the model to the next device, as it does for any run that fails on a device that is not the last.
 */
export class DeviceLostError extends Error {
  override readonly name = 'DeviceLostError'
}
