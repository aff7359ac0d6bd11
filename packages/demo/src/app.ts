// The playground's state: one Ferry runtime (re-created when the backend choice changes), the models
// loaded through it, and a small event bus the panels listen to. Only this file and runtime.ts touch
// the runtime's API.
import type { TelemetryEvent, TensorSpec } from '@ferry/protocol'
import { Recent } from './lib/stats.js'
import { type BackendChoice, type FerryModel, openRuntime, type RuntimeHandle } from './runtime.js'

export type { BackendChoice }

export interface LoadedModel {
  name: string
  version: number
  backend: string
  fallback: { from: string; reason: string } | null
  inputs: TensorSpec[]
  outputs: TensorSpec[]
  source: string
  bytes: number
  loadMs: number
  handle: FerryModel
}

/** One inference, as the latency chart draws it. */
export interface RunRecord {
  model: string
  backend: string
  queueMs: number
  computeMs: number
  ts: number
}

export interface LoadProgress {
  name: string
  phase: string
  loaded: number
  total: number
}

interface Events {
  event: TelemetryEvent
  run: RunRecord
  models: undefined
  runtime: undefined
  progress: LoadProgress
  loadError: { name: string; code: string; message: string }
}

type Listener<T> = (value: T) => void

/** The playground's application state. */
export class App {
  readonly models = new Map<string, LoadedModel>()
  readonly runs = new Recent<RunRecord>(60)
  readonly events = new Recent<TelemetryEvent>(80)
  backend: BackendChoice = 'auto'
  /** Byte budget of the device cache; null leaves the runtime's default. */
  cacheBudget: number | null = null
  private rt: RuntimeHandle | null = null
  private readonly listeners = new Map<keyof Events, Set<Listener<never>>>()

  constructor(readonly registry: string) {}

  on<K extends keyof Events>(type: K, fn: Listener<Events[K]>): void {
    const set = this.listeners.get(type) ?? new Set()
    this.listeners.set(type, set)
    set.add(fn as Listener<never>)
  }

  private emit<K extends keyof Events>(type: K, value: Events[K]): void {
    for (const fn of this.listeners.get(type) ?? []) (fn as Listener<Events[K]>)(value)
  }

  /** The runtime, created on first use with the current backend choice. */
  runtime(): RuntimeHandle {
    if (!this.rt) {
      this.rt = openRuntime(
        { registry: this.registry, backend: this.backend, cacheBudget: this.cacheBudget },
        (e) => this.onEvent(e),
      )
      this.emit('runtime', undefined)
    }
    return this.rt
  }

  private onEvent(e: TelemetryEvent): void {
    this.events.push(e)
    const m = e.type === 'load' ? this.models.get(e.model) : undefined
    if (e.type === 'load' && m && m.version === e.version) {
      // Load events may arrive just after load() resolves: fill in where the bytes came from.
      m.source = e.source
      m.loadMs = e.ms
      if (e.bytes) m.bytes = e.bytes
      this.emit('models', undefined)
    }
    if (e.type === 'inference') {
      const rec = { model: e.model, backend: e.backend, queueMs: e.queueMs, computeMs: e.computeMs, ts: e.ts }
      this.runs.push(rec)
      this.emit('run', rec)
    }
    this.emit('event', e)
  }

  /** Switches backend: closes the runtime and re-loads the loaded models on a fresh one. */
  async setBackend(choice: BackendChoice): Promise<void> {
    if (choice === this.backend && this.rt) return
    this.backend = choice
    await this.reopen()
  }

  /** Sets the device cache's byte budget (null: the runtime's default) and re-opens the runtime. */
  async setCacheBudget(bytes: number | null): Promise<void> {
    this.cacheBudget = bytes
    await this.reopen()
  }

  private async reopen(): Promise<void> {
    const again = [...this.models.values()].map((m) => ({ name: m.name, version: m.version }))
    const old = this.rt
    this.rt = null
    this.models.clear()
    this.emit('models', undefined)
    await old?.close().catch(() => {})
    this.runtime()
    for (const m of again) await this.load(m.name, m.version)
  }

  /** Loads a model (a version number or an alias) and makes it the one used for its name. */
  async load(name: string, version: number | string = 'latest'): Promise<LoadedModel> {
    const rt = this.runtime()
    const t0 = performance.now()
    const started = Date.now()
    let total = 0
    let handle: FerryModel
    try {
      handle = await rt.load(name, version, (p) => {
        total = p.total
        this.emit('progress', { name, ...p })
      })
    } catch (err) {
      const e = err as { code?: string; message?: string }
      this.emit('loadError', { name, code: e.code ?? 'ERROR', message: e.message ?? String(err) })
      throw err
    }
    const loadEvent = [...this.events.items]
      .reverse()
      .find((e) => e.type === 'load' && e.model === name && e.version === handle.version && e.ts >= started)
    const loaded: LoadedModel = {
      name,
      version: handle.version,
      backend: handle.backend,
      fallback: handle.fallback,
      inputs: handle.inputs,
      outputs: handle.outputs,
      source: handle.source ?? (loadEvent?.type === 'load' ? loadEvent.source : '…'),
      bytes: total,
      loadMs: performance.now() - t0,
      handle,
    }
    const previous = this.models.get(name)
    this.models.set(name, loaded)
    if (previous && previous.version !== loaded.version) await previous.handle.unload().catch(() => {})
    this.emit('models', undefined)
    return loaded
  }

  /** Unloads a model: its session goes, its bytes stay in the device cache (and may now be evicted). */
  async unload(name: string): Promise<void> {
    const m = this.models.get(name)
    if (!m) return
    this.models.delete(name)
    this.emit('models', undefined)
    await m.handle.unload()
  }

  /** Runs a loaded model; the backend shown follows the model (it changes after a device loss). */
  async run(name: string, inputs: Record<string, { data: Float32Array; dims: number[] }>) {
    const m = this.models.get(name)
    if (!m) throw new Error(`${name} is not loaded`)
    const t0 = performance.now()
    const out = await m.handle.run(inputs)
    const wallMs = performance.now() - t0
    if (m.handle.backend !== m.backend) {
      m.backend = m.handle.backend
      m.fallback = m.handle.fallback
      this.emit('models', undefined)
    }
    return { out, wallMs }
  }
}
