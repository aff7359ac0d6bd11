/**
 * A model that `auto` placed, or that runs on the edge by request: one Model over a device side (a device
 * Model, or one still loading) and an edge side, calling whichever the placement names. In `auto` it moves
 * to the device once a warm start's device load is ready or when the edge cannot be reached, and to the
 * edge when the device fails a run (the call is retried there first; the model moves only if that works).
 * Each move is a fallback event; each call the edge answers, an inference event with placement `edge`.
 */
import {
  type BackendName,
  FerryError,
  type Manifest,
  type Placement,
  type TelemetryEvent,
} from '@ferry/protocol'
import type { PlacementContext } from '../api/runtime.js'
import type { InferResult, Model, RunOptions } from '../api/types.js'
import type { Fallback } from '../engine/types.js'
import type { Inputs, Tensor } from '../tensors/tensor.js'
import { validateInputs } from '../tensors/validate.js'
import type { EdgeClient, EdgeModel } from './edge-client.js'
import { codeOf, deviceReason, firstDevice, messageOf, neither } from './rules.js'

export interface PlacedInit {
  ctx: PlacementContext
  /** `auto` moves between the sides; `edge` stays on the edge. */
  mode: 'auto' | 'edge'
  manifest: Manifest
  client: EdgeClient
  /** The edge side, when open. */
  remote: EdgeModel | null
  /** The edge side being opened. */
  opening?: Promise<EdgeModel>
  /** The device side, when loaded. */
  device: Model | null
  /** A device load in progress (warm start), and what aborts it. */
  pending?: { model: Promise<Model>; abort: AbortController }
  /** Why it starts on the edge (`auto`): a fallback reason. */
  reason?: string
}

export class PlacedModel implements Model {
  placement: Placement
  readonly name: string
  readonly version: number
  readonly manifest: Manifest
  #ctx: PlacementContext
  #mode: 'auto' | 'edge'
  #client: EdgeClient
  #remote: EdgeModel | null
  #opening: Promise<EdgeModel> | null = null
  #device: Model | null
  #pending: PlacedInit['pending'] | null
  #fallback: Fallback | null = null
  /** Why the device is not used, while on the edge. */
  #why: string | null
  #unloaded = false

  constructor(init: PlacedInit) {
    this.#ctx = init.ctx
    this.#mode = init.mode
    this.manifest = init.manifest
    this.name = init.manifest.name
    this.version = init.manifest.version
    this.#client = init.client
    this.#remote = init.remote
    this.#device = init.device
    this.#pending = init.pending ?? null
    this.#why = init.reason ?? null
    this.placement = init.device ? 'device' : 'edge'
    if (init.opening) this.#adopt(init.opening).catch(() => {})
    if (!init.device && init.reason) this.#move('edge', init.reason)
    this.#pending?.model.then(
      (d) => this.#ready(d),
      (err) => this.#deviceFailed(err),
    )
  }

  get inputs() {
    return this.manifest.inputs
  }
  get outputs() {
    return this.manifest.outputs
  }
  get backend(): BackendName | 'edge' {
    return this.placement === 'edge' ? 'edge' : (this.#device as Model).backend
  }
  get edge() {
    return this.#remote && { url: this.#remote.url, backend: this.#remote.backend }
  }
  get fallback(): Fallback | null {
    return this.placement === 'device' ? (this.#device as Model).fallback : this.#fallback
  }

  async infer(inputs: Inputs, opts: RunOptions = {}): Promise<InferResult> {
    try {
      if (this.#unloaded) throw new FerryError('MODEL_UNLOADED', 'this model was unloaded; load it again')
      return this.placement === 'device'
        ? await this.#onDevice(inputs, opts)
        : await this.#onEdge(inputs, opts)
    } catch (err) {
      throw this.#ctx.error(err)
    }
  }

  async run(inputs: Inputs, opts?: RunOptions) {
    return (await this.infer(inputs, opts)).outputs
  }

  async unload(): Promise<void> {
    if (this.#unloaded) return
    this.#unloaded = true
    this.#pending?.abort.abort()
    await this.#device?.unload()
  }

  get #key() {
    return `${this.name}@${this.version}`
  }

  #emit(e: TelemetryEvent): void {
    this.#ctx.emit([e])
  }

  /** Moves to `to` for `reason` (a fallback reason) and reports it. */
  #move(to: Placement, reason: string): void {
    const device = (this.#device?.backend ??
      firstDevice(this.manifest, this.#ctx.options.backends)) as BackendName
    const edge = this.#remote?.backend ?? 'cpu'
    this.placement = to
    this.#fallback = to === 'edge' ? { from: device, reason } : null
    this.#emit({
      type: 'fallback',
      model: this.name,
      version: this.version,
      from: to === 'edge' ? device : edge,
      to: to === 'edge' ? edge : device,
      placement: to,
      reason,
      ts: Date.now(),
    })
  }

  /** A warm start's device load is ready: later calls go to the device. */
  #ready(device: Model): void {
    this.#pending = null
    if (this.#unloaded) {
      void device.unload().catch(() => {})
      return
    }
    this.#device = device
    this.#why = null
    if (this.placement === 'edge') this.#move('device', 'device-ready')
  }

  /** A warm start's device load failed: the model stays on the edge, now for that reason. */
  #deviceFailed(err: unknown): void {
    this.#pending = null
    if (this.#unloaded) return
    this.#why = deviceReason(err) ?? `device-unavailable: ${messageOf(err)}`
    if (this.#fallback) this.#fallback = { ...this.#fallback, reason: this.#why }
  }

  /** The edge side, opened (and checked) on first need. */
  #edgeSide(): Promise<EdgeModel> {
    if (this.#remote) return Promise.resolve(this.#remote)
    return this.#opening ?? this.#adopt(this.#client.open(this.name, this.version, this.manifest))
  }

  /** Takes `opening` as the edge side once it opens (a failure lets the next call try again). */
  #adopt(opening: Promise<EdgeModel>): Promise<EdgeModel> {
    this.#opening = opening.then(
      (m) => (this.#remote = m),
      (err) => {
        this.#opening = null
        throw err
      },
    )
    return this.#opening
  }

  /** One call on the edge, reported as an inference event (an error event when it fails). */
  async #edgeCall(tensors: Record<string, Tensor>, signal?: AbortSignal): Promise<InferResult> {
    try {
      const r = await (await this.#edgeSide()).infer(tensors, signal)
      const { backend, batch, queueMs, computeMs } = r.info
      this.#emit({
        type: 'inference',
        model: this.name,
        version: this.version,
        backend,
        batch,
        queueMs,
        computeMs,
        ok: true,
        placement: 'edge',
        ts: Date.now(),
      })
      return r
    } catch (err) {
      this.#emit({
        type: 'error',
        model: this.name,
        version: this.version,
        code: codeOf(err),
        ts: Date.now(),
      })
      throw err
    }
  }

  async #onEdge(inputs: Inputs, opts: RunOptions): Promise<InferResult> {
    // RUNTIME_CLOSED once the runtime is closed, as the device's own calls answer (they check it themselves).
    await this.#ctx.call(async () => {})
    // The device's checks, so a bad input gets the same coded error wherever the model runs.
    const tensors = validateInputs(this.manifest.inputs, inputs)
    try {
      return await this.#edgeCall(tensors, opts.signal)
    } catch (err) {
      if (this.#mode !== 'auto' || codeOf(err) !== 'EDGE_UNREACHABLE') throw err
      // The edge is gone: the device, if it has the model or is loading it.
      const device = this.#device ?? (await this.#pending?.model.catch(() => null)) ?? null
      if (!device) throw neither(this.#key, this.#why ?? 'it was never loaded there', err)
      if (this.placement === 'edge') {
        this.#device = device
        this.#move('device', `edge-unreachable: ${messageOf(err)}`)
      }
      return this.#onDevice(inputs, opts)
    }
  }

  async #onDevice(inputs: Inputs, opts: RunOptions): Promise<InferResult> {
    const device = this.#device as Model
    try {
      return await device.infer(inputs, opts)
    } catch (err) {
      const why = this.#mode === 'auto' ? deviceReason(err) : null
      if (!why) throw err
      // The same call on the edge; the device's error stands if the edge cannot answer it either.
      let r: InferResult
      try {
        r = await this.#edgeCall(validateInputs(this.manifest.inputs, inputs), opts.signal)
      } catch {
        throw err
      }
      // A worker crash is retried elsewhere but does not move the model (the next call restarts the worker).
      if (codeOf(err) !== 'WORKER_CRASHED' && this.placement === 'device' && this.#device === device) {
        this.#why = why
        this.#move('edge', why)
        this.#device = null
        void device.unload().catch(() => {})
      }
      return r
    }
  }
}
