/** One loaded model version: its session (or none while released), backend, queue and usage counters. */
import { type BackendName, FerryError, type Manifest } from '@ferry/protocol'
import type { OrtHost, OrtModule, OrtSession } from '../backends/ort.js'
import { modelFileOf } from '../registry-client/check-manifest.js'
import { batchDimOf, mergeBatch, rowsOf, sameTrailingDims, splitBatch } from '../scheduler/batch-tensors.js'
import { RequestQueue } from '../scheduler/queue.js'
import type { TensorData } from '../tensors/dtypes.js'
import { DeviceLost, type GpuState } from './gpu.js'
import type { Fallback, Outputs, Tensor, TestHooks } from './types.js'

export interface Job {
  inputs: Record<string, Tensor>
  enqueuedAt: number
}

/** What a LiveModel needs from its engine. */
export interface ModelHost {
  ort: OrtHost
  gpu: GpuState
  hooks: TestHooks
  maxQueue: number
  /** The ORT module, loaded with the flavor the GPU probe chose. */
  ortModule(): Promise<OrtModule>
  /** The version's verified bytes by path (from the bytes cache or the registry). */
  files(manifest: Manifest): Promise<Map<string, Uint8Array>>
  onFallback(model: LiveModel, f: Fallback, to: BackendName): void
  onBatch(model: LiveModel, jobs: Job[], startedAt: number, computeMs: number, ok: boolean): void
}

const msg = (e: unknown) => (e instanceof Error ? e.message : String(e))

export class LiveModel {
  readonly key: string
  readonly bytes: number
  backend: BackendName = 'wasm'
  fallback: Fallback | null = null
  session: OrtSession | null = null
  lastUsed = Date.now()
  uses = 0
  readonly handles = new Set<number>()
  readonly queue: RequestQueue<Job, Outputs>
  private creating: Promise<void> | null = null
  private ortMod: OrtModule | null = null

  constructor(
    readonly manifest: Manifest,
    readonly order: BackendName[],
    private readonly host: ModelHost,
  ) {
    this.key = `${manifest.name}@${manifest.version}`
    this.bytes = manifest.files.reduce((n, f) => n + f.size, 0)
    const b = manifest.runtime?.batching
    this.queue = new RequestQueue<Job, Outputs>({
      maxLength: host.maxQueue,
      run: (jobs) => this.runBatch(jobs),
      ...(b && batchDimOf(manifest)
        ? {
            batch: {
              ...b,
              rows: (j: Job) => rowsOf(j.inputs),
              compatible: (a: Job, c: Job) => sameTrailingDims(a.inputs, c.inputs),
            },
          }
        : {}),
    })
  }

  /**
   * Creates the session on the first backend in `order` that works, recording why others were skipped.
   * Reporting a fallback is the caller's (`announceFallback`), once the session is really in use: a
   * first load's bytes may still be under their digest check.
   */
  async create(files: Map<string, Uint8Array>, order = this.order): Promise<void> {
    const { ort: host, gpu, hooks } = this.host
    const ort = await this.host.ortModule()
    this.ortMod = ort
    const model = files.get(modelFileOf(this.manifest).path) as Uint8Array
    const external = this.manifest.files
      .filter((f) => f.role === 'external-data')
      .map((f) => ({ path: f.path, data: files.get(f.path) as Uint8Array }))
    let fallback: Fallback | null = order.includes('webgpu')
      ? null
      : { from: 'webgpu', reason: 'not-requested' }
    const errors: string[] = []
    for (const b of order) {
      if (b === 'webgpu') {
        const probe = await gpu.check()
        const why = !probe.ok
          ? probe.reason
          : gpu.lost
            ? 'device-lost'
            : hooks.failWebgpuSession
              ? 'session-failed: forced by test hook (failWebgpuSession)'
              : null
        if (why) {
          fallback ??= { from: 'webgpu', reason: why }
          errors.push(`webgpu: ${why}`)
          continue
        }
        gpu.attach(ort)
      }
      try {
        this.session = await host.createSession(ort, model, b, external)
        this.backend = b
        this.fallback = b === 'webgpu' ? null : fallback
        return
      } catch (err) {
        errors.push(`${b}: ${msg(err)}`)
        if (b === 'webgpu') fallback ??= { from: 'webgpu', reason: `session-failed: ${msg(err)}` }
      }
    }
    throw new FerryError('BACKEND_UNAVAILABLE', `could not create a session: ${errors.join('; ')}`)
  }

  /** Reports the fallback this model's session was created with, if any (a requested WASM is none). */
  announceFallback(): void {
    if (this.fallback && this.fallback.reason !== 'not-requested')
      this.host.onFallback(this, this.fallback, this.backend)
  }

  /** Makes sure a session exists, re-creating a released one from the bytes tier. */
  ensure(): Promise<void> {
    if (this.session) return Promise.resolve()
    this.creating ??= (async () => {
      try {
        await this.create(await this.host.files(this.manifest))
        this.announceFallback()
      } finally {
        this.creating = null
      }
    })()
    return this.creating
  }

  /** Drops the session (the bytes stay cached); the next run re-creates it. */
  async release(): Promise<void> {
    const s = this.session
    this.session = null
    await s?.release().catch(() => {})
  }

  private async moveToWasm(reason: string): Promise<void> {
    const from = this.backend
    await this.release()
    const files = await this.host.files(this.manifest)
    await this.create(files, ['wasm'])
    this.fallback = { from, reason: `device-lost: ${reason}` }
    this.host.onFallback(this, this.fallback, 'wasm')
  }

  private async runOnce(feeds: Record<string, unknown>): Promise<Record<string, unknown>> {
    const { gpu, hooks } = this.host
    for (;;) {
      await this.ensure()
      const session = this.session as OrtSession
      if (this.backend !== 'webgpu') return session.run(feeds as never)
      gpu.runs++
      if (hooks.loseDeviceAfterRuns !== undefined && gpu.runs > hooks.loseDeviceAfterRuns) gpu.loseForTest()
      if (gpu.lost) {
        await this.moveToWasm(gpu.lost)
        continue
      }
      try {
        const out = await Promise.race([session.run(feeds as never), gpu.lostSignal])
        if (!gpu.lost) return out
      } catch (err) {
        if (!(err instanceof DeviceLost) && !gpu.lost) throw err
      }
      await this.moveToWasm(gpu.lost ?? 'device lost')
    }
  }

  private async runBatch(jobs: Job[]): Promise<Outputs[]> {
    const startedAt = performance.now()
    this.lastUsed = Date.now()
    this.uses += jobs.length
    const merged = jobs.length === 1 ? (jobs[0] as Job).inputs : mergeBatch(jobs.map((j) => j.inputs))
    let t0 = startedAt
    try {
      const ort = this.ortMod ?? (await this.host.ortModule())
      const feeds: Record<string, unknown> = {}
      for (const [k, t] of Object.entries(merged))
        feeds[k] = new ort.Tensor(t.dtype as never, t.data as never, t.dims)
      t0 = performance.now()
      const raw = await this.runOnce(feeds)
      const computeMs = performance.now() - t0
      const out: Outputs = {}
      for (const [k, v] of Object.entries(raw)) {
        const t = v as { data: TensorData; dims: readonly number[]; type: string }
        out[k] = { data: t.data, dims: [...t.dims], dtype: t.type as Tensor['dtype'] }
      }
      this.host.onBatch(this, jobs, startedAt, computeMs, true)
      return jobs.length === 1
        ? [out]
        : splitBatch(
            out,
            jobs.map((j) => rowsOf(j.inputs)),
          )
    } catch (err) {
      this.host.onBatch(this, jobs, startedAt, performance.now() - t0, false)
      if (err instanceof FerryError) throw err
      throw new FerryError('INFERENCE_FAILED', `${this.key}: ${msg(err)}`, { cause: err })
    }
  }
}
