// The playground's state: the models the visitor loaded, on one Ferry runtime at a time, and a small
// event bus the panels listen to. A backend, placement or cache-budget change opens a new runtime, loads
// every model on it, and only then replaces the old one (whose calls in flight settle with RUNTIME_CLOSED
// and are retried on the new one). Only this file and runtime.ts touch the runtime's API.
import { manifestSize, type TelemetryEvent } from '@ferry/protocol'
import type { Events, Listener, LoadedModel, RunRecord } from './app-types.js'
import { Recent } from './lib/stats.js'
import { type GpuStatus, initialGpuStatus, observeGpu } from './lib/webgpu-status.js'
import {
  type BackendChoice,
  type FerryModel,
  openRuntime,
  type PlacementChoice,
  type RunInfo,
  type RuntimeHandle,
  type RuntimeSettings,
  type TelemetryStats,
} from './runtime.js'

export type { LoadedModel, LoadProgress, RunRecord } from './app-types.js'
export type { BackendChoice, PlacementChoice, RunInfo }

/** One runtime with the models loaded on it. */
interface Generation {
  settings: RuntimeSettings
  rt: RuntimeHandle
  models: Map<string, LoadedModel>
  /** The last load event of each version (`name@version`): it may come before or after load() resolves. */
  loads: Map<string, Extract<TelemetryEvent, { type: 'load' }>>
  /** Set when it is replaced or abandoned: it is closing, and its calls settle with RUNTIME_CLOSED. */
  retired: boolean
}

const codeOf = (err: unknown) => (err as { code?: string })?.code ?? 'ERROR'
const coded = (code: string, message: string) => Object.assign(new Error(message), { code })
const sameSettings = (a: RuntimeSettings, b: RuntimeSettings) =>
  a.registry === b.registry &&
  a.backend === b.backend &&
  a.cacheBudget === b.cacheBudget &&
  a.edge === b.edge &&
  a.placement === b.placement

/** The playground's application state. */
export class App {
  readonly runs = new Recent<RunRecord>(60)
  readonly events = new Recent<TelemetryEvent>(80)
  backend: BackendChoice = 'auto'
  /** Byte budget of the device cache; null leaves the runtime's default. */
  cacheBudget: number | null = null
  /** The Ferry Edge server models may run on (`?edge=`, or `edge.json` next to the page), or null. */
  edge: string | null = null
  placement: PlacementChoice = 'auto'
  /** The models the visitor asked for (name → version or alias), loaded again on every new runtime. */
  readonly wanted = new Map<string, number | string>()
  /** Why a wanted model is not loaded on the current runtime, by name (its last load failed). */
  readonly loadErrors = new Map<string, { code: string; message: string }>()
  private gpuStatus: GpuStatus | null = null
  /** Telemetry counts of the runtimes already closed. */
  private readonly closedStats = { sent: 0, dropped: 0 }
  private live: Generation | null = null
  /** The runtime a switch is preparing: new loads go there too. */
  private next: Generation | null = null
  private switching: Promise<void> | null = null
  private readonly listeners = new Map<keyof Events, Set<Listener<never>>>()

  constructor(
    readonly registry: string,
    private readonly open: typeof openRuntime = openRuntime,
  ) {}

  on<K extends keyof Events>(type: K, fn: Listener<Events[K]>): void {
    const set = this.listeners.get(type) ?? new Set()
    this.listeners.set(type, set)
    set.add(fn as Listener<never>)
  }

  private emit<K extends keyof Events>(type: K, value: Events[K]): void {
    for (const fn of this.listeners.get(type) ?? []) (fn as Listener<Events[K]>)(value)
  }

  /** The models loaded on the current runtime. */
  get models(): ReadonlyMap<string, LoadedModel> {
    return this.current().models
  }

  /** The current runtime, created on first use with the current settings. */
  runtime(): RuntimeHandle {
    return this.current().rt
  }

  /** What is known of this browser's WebGPU, from the runtime's capabilities and what loads found. */
  get gpu(): GpuStatus {
    this.current()
    return this.gpuStatus as GpuStatus
  }

  /** True while a backend or budget change is under way. */
  get busy(): boolean {
    return this.switching !== null
  }

  /** Telemetry of this page: events sent and dropped by every runtime it opened, queued in the current one. */
  telemetry(): TelemetryStats {
    const s = this.runtime().telemetry()
    return {
      sent: this.closedStats.sent + s.sent,
      queued: s.queued,
      dropped: this.closedStats.dropped + s.dropped,
    }
  }

  private current(): Generation {
    if (!this.live) {
      this.live = this.start()
      this.emit('runtime', undefined)
    }
    return this.live
  }

  private settings(): RuntimeSettings {
    return {
      registry: this.registry,
      backend: this.backend,
      cacheBudget: this.cacheBudget,
      edge: this.edge,
      placement: this.placement,
    }
  }

  private start(): Generation {
    const gen = {
      settings: this.settings(),
      models: new Map(),
      loads: new Map(),
      retired: false,
    } as Generation
    gen.rt = this.open(gen.settings, (e) => this.onEvent(e, gen))
    this.gpuStatus ??= initialGpuStatus(gen.rt.webgpuApi)
    return gen
  }

  private observe(gen: Generation, backend: string, fallback: LoadedModel['fallback']): void {
    const before = this.gpu
    const after = observeGpu(before, { backend, fallback, choice: gen.settings.backend })
    if (after === before) return
    this.gpuStatus = after
    this.emit('gpu', after)
  }

  private onEvent(e: TelemetryEvent, gen: Generation): void {
    this.events.push(e)
    const m = e.type === 'load' ? gen.models.get(e.model) : undefined
    if (e.type === 'load') gen.loads.set(`${e.model}@${e.version}`, e)
    if (e.type === 'load' && m && m.version === e.version) {
      // Load events may arrive just after load() resolves: fill in where the bytes came from.
      m.source = e.source
      m.loadMs = e.ms
      if (e.bytes) m.bytes = e.bytes
      if (gen === this.live) this.emit('models', undefined)
    }
    // A placement change (device ↔ edge) is a fallback event with a placement: the model's row follows it.
    if (e.type === 'fallback' && e.placement) {
      const moved = gen.models.get(e.model)
      if (moved && moved.version === e.version) {
        this.refresh(moved)
        if (moved.placement === 'device') this.observe(gen, moved.backend, moved.fallback)
        if (gen === this.live) this.emit('models', undefined)
      }
    } else if (e.type === 'fallback') this.observe(gen, e.to, { from: e.from, reason: e.reason })
    this.emit('event', e)
  }

  /** Reads where a model runs now from its handle (placement, backend, the edge's backend, why). */
  private refresh(m: LoadedModel): boolean {
    const h = m.handle
    const changed =
      h.placement !== m.placement || h.backend !== m.backend || h.fallback?.reason !== m.fallback?.reason
    m.placement = h.placement
    m.backend = h.backend
    m.edgeBackend = h.edge?.backend ?? null
    m.fallback = h.fallback
    return changed
  }

  /** Switches backend: a new runtime with every model loaded on it replaces the current one. */
  setBackend(choice: BackendChoice): Promise<void> {
    this.backend = choice
    return this.reconcile()
  }

  /** Switches where models run (with an edge): a new runtime loads every model with that placement. */
  setPlacement(choice: PlacementChoice): Promise<void> {
    this.placement = choice
    return this.reconcile()
  }

  /** Sets the device cache's byte budget (null: the runtime's default) on a new runtime. */
  setCacheBudget(bytes: number | null): Promise<void> {
    this.cacheBudget = bytes
    return this.reconcile()
  }

  /** Brings the runtime in line with the settings; a runtime being prepared for older settings is dropped. */
  private reconcile(): Promise<void> {
    const next = this.next
    if (next && !sameSettings(next.settings, this.settings())) {
      this.next = null
      void this.retire(next)
    }
    this.switching ??= this.switchLoop().finally(() => {
      this.switching = null
    })
    return this.switching
  }

  private async switchLoop(): Promise<void> {
    for (;;) {
      const live = this.current()
      if (sameSettings(live.settings, this.settings())) return
      if (!this.next) this.next = this.start()
      const gen = this.next
      await Promise.allSettled([...this.wanted].map(([name, version]) => this.loadOn(gen, name, version)))
      if (this.next !== gen) continue // the settings changed again while it loaded
      this.next = null
      this.live = gen
      this.emit('runtime', undefined)
      this.emit('models', undefined)
      await this.retire(live)
    }
  }

  /** Closes a runtime that was replaced or abandoned; its calls in flight settle with RUNTIME_CLOSED. */
  private async retire(gen: Generation): Promise<void> {
    gen.retired = true
    await gen.rt.close().catch(() => {})
    const s = gen.rt.telemetry()
    this.closedStats.sent += s.sent
    this.closedStats.dropped += s.dropped
    gen.models.clear()
  }

  /**
   * Loads a model (a version number or an alias) and makes it the one used for its name. A load that a
   * runtime change overtakes resolves with the model as the new runtime loaded it.
   */
  async load(name: string, version: number | string = 'latest'): Promise<LoadedModel> {
    this.wanted.set(name, version)
    this.loadErrors.delete(name)
    this.emit('models', undefined)
    for (;;) {
      const gen = this.next ?? this.current()
      try {
        return await this.loadOn(gen, name, version)
      } catch (err) {
        if (!gen.retired) throw err
        await this.switching
        const m = this.live?.models.get(name)
        if (m) return m
        if (this.wanted.get(name) !== version) throw err
      }
    }
  }

  private async loadOn(gen: Generation, name: string, version: number | string): Promise<LoadedModel> {
    const t0 = performance.now()
    const started = Date.now()
    let total = 0
    let handle: FerryModel
    try {
      handle = await gen.rt.load(name, version, (p) => {
        total = p.total
        if (!gen.retired) this.emit('progress', { name, ...p })
      })
    } catch (err) {
      const failure = { code: codeOf(err), message: (err as { message?: string }).message ?? String(err) }
      if (!gen.retired) {
        this.loadErrors.set(name, failure)
        this.emit('loadError', { name, ...failure })
      }
      throw err
    }
    if (gen.retired || !this.wanted.has(name)) {
      // Replaced, or unloaded by the visitor while it loaded: nothing may keep this handle.
      await handle.unload().catch(() => {})
      throw gen.retired
        ? coded('RUNTIME_CLOSED', 'the runtime was replaced while this model loaded')
        : coded('MODEL_UNLOADED', `${name} was unloaded while it loaded`)
    }
    const event = gen.loads.get(`${name}@${handle.version}`)
    const loaded: LoadedModel = {
      name,
      version: handle.version,
      placement: handle.placement,
      backend: handle.backend,
      edgeBackend: handle.edge?.backend ?? null,
      fallback: handle.fallback,
      inputs: handle.inputs,
      outputs: handle.outputs,
      // On the edge nothing came to this device (yet: a warm start's download reports when it ends).
      source:
        handle.source ??
        (event && event.ts >= started ? event.source : handle.placement === 'edge' ? 'edge' : '…'),
      bytes: total || manifestSize(handle.manifest),
      loadMs: performance.now() - t0,
      handle,
    }
    const previous = gen.models.get(name)
    gen.models.set(name, loaded)
    this.loadErrors.delete(name)
    // The next runtime loads this exact version, not what an alias may point to by then.
    if (this.wanted.get(name) === version) this.wanted.set(name, loaded.version)
    if (previous) await previous.handle.unload().catch(() => {})
    if (loaded.placement === 'device') this.observe(gen, loaded.backend, loaded.fallback)
    if (gen === this.live) this.emit('models', undefined)
    return loaded
  }

  /** Unloads a model: its session goes, its bytes stay in the device cache (and may now be evicted). */
  async unload(name: string): Promise<void> {
    this.wanted.delete(name)
    this.loadErrors.delete(name)
    const handles: FerryModel[] = []
    for (const gen of [this.live, this.next]) {
      const m = gen?.models.get(name)
      if (!gen || !m) continue
      gen.models.delete(name)
      handles.push(m.handle)
    }
    this.emit('models', undefined)
    await Promise.all(handles.map((h) => h.unload().catch(() => {})))
  }

  /**
   * Runs a loaded model; `onStart` hears the model each attempt runs on. A run on a runtime that a
   * switch replaced settles with RUNTIME_CLOSED there and runs again on the runtime that replaced it.
   */
  async run(
    name: string,
    inputs: Record<string, { data: Float32Array; dims: number[] }>,
    onStart?: (m: LoadedModel) => void,
  ) {
    for (;;) {
      const gen = this.current()
      const m = gen.models.get(name)
      if (!m) throw coded('NOT_LOADED', `${name} is not loaded`)
      onStart?.(m)
      const t0 = performance.now()
      try {
        const { outputs: out, info } = await m.handle.infer(inputs)
        const wallMs = performance.now() - t0
        // Where the model is shown follows it (another device after a loss or a failed run; the edge).
        if (this.refresh(m) && gen === this.live) this.emit('models', undefined)
        const rec: RunRecord = {
          model: name,
          placement: info.placement,
          backend: info.backend,
          queueMs: info.queueMs,
          computeMs: info.computeMs,
          networkMs: info.networkMs ?? 0,
          ts: Date.now(),
        }
        this.runs.push(rec)
        this.emit('run', rec)
        return { out, wallMs, model: m, info }
      } catch (err) {
        // Each retry goes to a newer runtime: this ends once the switches do.
        if (!gen.retired) throw err
      }
    }
  }
}
