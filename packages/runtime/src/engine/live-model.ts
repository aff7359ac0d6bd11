/**
 * One loaded model version: its session on a device (or none while released), the (backend, device)
 * pairs it may move through, its queue and usage. A run that fails on a device that is not the last
 * (a lost GPU device, a WebGPU run failure) is retried on the next one; the model moves there if the
 * retry works, and the reason is reported as a fallback.
 */
import { type BackendName, FerryError, type Manifest } from '@ferry/protocol'
import type { Plan } from '../backends/registry.js'
import { DeviceLostError, type ModelFiles, type Session } from '../backends/types.js'
import { batchDimOf, mergeBatch, rowsOf, sameTrailingDims, splitBatch } from '../scheduler/batch-tensors.js'
import { RequestQueue } from '../scheduler/queue.js'
import type { Outputs, Tensor } from '../tensors/tensor.js'
import { RateMeter } from './rate.js'
import type { BatchingOption, Fallback, RunTiming } from './types.js'

export interface Job {
  inputs: Record<string, Tensor>
  enqueuedAt: number
}

export interface JobResult {
  outputs: Outputs
  timing: RunTiming
}

/** What a LiveModel needs from its engine. */
export interface ModelHost {
  maxQueue: number
  /** The version's verified bytes (from the bytes cache or the registry), for a re-creation. */
  files(manifest: Manifest): Promise<ModelFiles>
  onFallback(model: LiveModel, f: Fallback): void
  onBatch(model: LiveModel, jobs: Job[], startedAt: number, computeMs: number, ok: boolean): void
}

interface Opened {
  session: Session
  index: number
  /** Why earlier pairs were skipped (the first reason), or null. */
  skipped: Fallback | null
}

const msg = (e: unknown) => (e instanceof Error ? e.message : String(e))
/** Errors that say the request was wrong, not the device: never a reason to move. */
const CALLER_ERRORS = new Set(['INPUT_NAME', 'INPUT_MISSING', 'DTYPE_MISMATCH', 'SHAPE_MISMATCH', 'ABORTED'])

export class LiveModel {
  readonly key: string
  /** Bytes of the version's files. */
  readonly bytes: number
  backend: BackendName
  fallback: Fallback | null = null
  session: Session | null = null
  state: 'loading' | 'ready' | 'released' = 'loading'
  lastUsed = Date.now()
  uses = 0
  running = 0
  readonly rate = new RateMeter()
  readonly handles = new Set<number>()
  readonly queue: RequestQueue<Job, JobResult>
  #index = 0
  #creating: Promise<void> | null = null

  #plan: Plan
  #host: ModelHost

  constructor(
    readonly manifest: Manifest,
    plan: Plan,
    host: ModelHost,
    batching?: BatchingOption,
  ) {
    this.#plan = plan
    this.#host = host
    this.key = `${manifest.name}@${manifest.version}`
    this.bytes = manifest.files.reduce((n, f) => n + f.size, 0)
    this.backend = (plan.candidates[0] as Plan['candidates'][number]).device
    const b = batching === undefined ? manifest.runtime?.batching : batching || undefined
    this.queue = new RequestQueue<Job, JobResult>({
      maxLength: host.maxQueue,
      run: (jobs) => this.#runBatch(jobs),
      ...(b && batchDimOf({ ...manifest, runtime: { batching: b } })
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

  /** What the session holds, as its backend measured it, else the files' size. */
  get held(): number {
    return this.session?.bytes ?? this.bytes
  }

  /** True while requests wait or run. */
  get busy(): boolean {
    return this.queue.busy
  }

  /** Creates the session on the first pair of the plan that works (see `open`); a fallback is announced by the caller. */
  async create(files: ModelFiles): Promise<void> {
    const o = await this.#open(files, 0)
    const notRequested = this.#plan.notRequested
    this.#install(o, o.skipped ?? (notRequested ? { from: notRequested, reason: 'not-requested' } : null))
  }

  /** Reports the fallback this model's session was created with, if any (a requested device is none). */
  announceFallback(): void {
    if (this.fallback && this.fallback.reason !== 'not-requested') this.#host.onFallback(this, this.fallback)
  }

  /** Makes sure a session exists, re-creating a released one (on the device it last ran on). */
  ensure(): Promise<void> {
    if (this.session) return Promise.resolve()
    this.#creating ??= (async () => {
      try {
        this.state = 'loading'
        const o = await this.#open(await this.#host.files(this.manifest), this.#index)
        this.#install(o, this.#index === 0 ? o.skipped : (this.fallback ?? o.skipped))
        this.announceFallback()
      } catch (err) {
        this.state = 'released'
        throw err
      } finally {
        this.#creating = null
      }
    })()
    return this.#creating
  }

  /** Drops the session (the bytes stay cached); the next run re-creates it. */
  async release(): Promise<void> {
    const s = this.session
    this.session = null
    if (this.state === 'ready') this.state = 'released'
    await s?.release()
  }

  /** Tries the plan's pairs from `from` on: probe, then create; BACKEND_UNAVAILABLE lists every reason. */
  async #open(files: ModelFiles, from: number): Promise<Opened> {
    const reasons: string[] = []
    let skipped: Fallback | null = null
    const { candidates } = this.#plan
    for (let i = from; i < candidates.length; i++) {
      const { backend, device, explicit } = candidates[i] as Plan['candidates'][number]
      const p = await backend.probe(device, explicit)
      let why = p.ok ? null : p.reason
      if (p.ok) {
        try {
          return { session: await backend.createSession(files, this.manifest, device), index: i, skipped }
        } catch (err) {
          why = `session-failed: ${msg(err)}`
        }
      }
      skipped ??= { from: device, reason: why as string }
      reasons.push(`${backend.name}/${device}: ${why}`)
    }
    throw new FerryError('BACKEND_UNAVAILABLE', `nothing could run ${this.key}: ${reasons.join('; ')}`)
  }

  #install(o: Opened, fallback: Fallback | null): void {
    this.session = o.session
    this.#index = o.index
    this.backend = o.session.device
    this.fallback = fallback
    this.state = 'ready'
  }

  /**
   * After a run failed on the current device for `reason`: opens the next pairs and retries there. The
   * model moves only when the retry works (or the old device is lost): a request that fails everywhere
   * is the request's fault, and the model stays where it was.
   */
  async #moveOn(
    failed: Session,
    reason: string,
    lost: boolean,
    retry: (s: Session) => Promise<Record<string, Tensor>>,
  ): Promise<Record<string, Tensor>> {
    const from = this.backend
    if (lost) await this.release()
    const next = await this.#open(await this.#host.files(this.manifest), this.#index + 1)
    try {
      const out = await retry(next.session)
      if (this.session === failed) await this.release()
      this.#install(next, { from, reason })
      this.announceFallback()
      return out
    } catch (err) {
      if (!lost) {
        await next.session.release()
        throw err
      }
      this.#install(next, { from, reason })
      this.announceFallback()
      throw err
    }
  }

  async #runOn(feeds: Record<string, Tensor>): Promise<Record<string, Tensor>> {
    await this.ensure()
    const session = this.session as Session
    try {
      return await session.run(feeds)
    } catch (err) {
      const last = this.#index >= this.#plan.candidates.length - 1
      if (last || (err instanceof FerryError && CALLER_ERRORS.has(err.code))) throw err
      const lost = err instanceof DeviceLostError
      const reason = lost ? `device-lost: ${err.message}` : `run-failed: ${msg(err)}`
      return this.#moveOn(session, reason, lost, (s) => s.run(feeds))
    }
  }

  async #runBatch(jobs: Job[]): Promise<JobResult[]> {
    const startedAt = performance.now()
    const now = Date.now()
    this.lastUsed = now
    this.uses += jobs.length
    this.rate.add(jobs.length, now)
    this.running = jobs.length
    const merged = jobs.length === 1 ? (jobs[0] as Job).inputs : mergeBatch(jobs.map((j) => j.inputs))
    let t0 = startedAt
    try {
      t0 = performance.now()
      const out = await this.#runOn(merged)
      const computeMs = performance.now() - t0
      this.#host.onBatch(this, jobs, startedAt, computeMs, true)
      const parts =
        jobs.length === 1
          ? [out]
          : splitBatch(
              out,
              jobs.map((j) => rowsOf(j.inputs)),
            )
      return parts.map((outputs, i) => ({
        outputs,
        timing: {
          queueMs: Math.max(0, startedAt - (jobs[i] as Job).enqueuedAt),
          computeMs,
          batch: jobs.length,
        },
      }))
    } catch (err) {
      this.#host.onBatch(this, jobs, startedAt, performance.now() - t0, false)
      if (err instanceof FerryError) throw err
      throw new FerryError('INFERENCE_FAILED', `${this.key}: ${msg(err)}`, { cause: err })
    } finally {
      this.running = 0
    }
  }
}
