/**
 * A per-model request queue: one batch runs at a time, FIFO, bounded (QUEUE_FULL), cancellable
 * (ABORTED). With `batch` set it is a dynamic batcher: contiguous compatible requests are merged up to
 * `maxBatchSize` rows, waiting at most `maxDelayMs` for company when the queue was idle (and no longer
 * once a batch is full).
 */
import { FerryError } from '@ferry/protocol'

export interface BatchOptions<T> {
  maxBatchSize: number
  maxDelayMs: number
  /** Rows an item contributes (its first dim). */
  rows(item: T): number
  /** True when `b` can run in one batch with `a`. */
  compatible(a: T, b: T): boolean
}

export interface QueueOptions<T, R> {
  /** Most requests waiting (not counting the batch that runs). */
  maxLength: number
  /** Runs items as one batch; returns one result per item, in order. */
  run(items: T[]): Promise<R[]>
  batch?: BatchOptions<T>
}

interface Pending<T, R> {
  item: T
  resolve(r: R): void
  reject(e: unknown): void
  settled: boolean
  cleanup(): void
}

const aborted = () => new FerryError('ABORTED', 'the request was aborted')

/** Creates a queue; see the module comment. */
export class RequestQueue<T, R> {
  readonly #waiting: Pending<T, R>[] = []
  #running = false
  #timer: ReturnType<typeof setTimeout> | undefined
  #closedWith: FerryError | undefined

  readonly #opts: QueueOptions<T, R>

  constructor(opts: QueueOptions<T, R>) {
    this.#opts = opts
  }

  /** Requests waiting to run. */
  get length(): number {
    return this.#waiting.length
  }

  /** True while a batch runs or requests wait. */
  get busy(): boolean {
    return this.#running || this.#waiting.length > 0
  }

  /** Queues `item`; resolves with its result, or rejects with QUEUE_FULL / ABORTED / the run's error. */
  push(item: T, signal?: AbortSignal): Promise<R> {
    if (this.#closedWith) return Promise.reject(this.#closedWith)
    if (signal?.aborted) return Promise.reject(aborted())
    if (this.#waiting.length >= this.#opts.maxLength)
      return Promise.reject(
        new FerryError(
          'QUEUE_FULL',
          `the model's queue is full (${this.#opts.maxLength} waiting); retry later`,
        ),
      )
    return new Promise<R>((resolve, reject) => {
      const p: Pending<T, R> = {
        item,
        settled: false,
        resolve: (r) => {
          if (p.settled) return
          p.settled = true
          p.cleanup()
          resolve(r)
        },
        reject: (e) => {
          if (p.settled) return
          p.settled = true
          p.cleanup()
          reject(e)
        },
        cleanup: () => {},
      }
      if (signal) {
        const onAbort = () => {
          const i = this.#waiting.indexOf(p)
          if (i >= 0) this.#waiting.splice(i, 1)
          p.reject(aborted())
        }
        signal.addEventListener('abort', onAbort, { once: true })
        p.cleanup = () => signal.removeEventListener('abort', onAbort)
      }
      this.#waiting.push(p)
      this.#pump(false)
    })
  }

  /** Rejects everything waiting with `error` and refuses new requests. */
  close(error: FerryError): void {
    this.#closedWith = error
    clearTimeout(this.#timer)
    for (const p of this.#waiting.splice(0)) p.reject(error)
  }

  #pump(delayed: boolean): void {
    if (this.#running || this.#waiting.length === 0) return
    const b = this.#opts.batch
    // Waits for company (maxDelayMs from the first request) only until a batch is full: a full batch
    // runs at once.
    if (b && !delayed && b.maxDelayMs > 0 && this.#rowsWaiting(b) < b.maxBatchSize) {
      this.#timer ??= setTimeout(() => {
        this.#timer = undefined
        this.#pump(true)
      }, b.maxDelayMs)
      return
    }
    clearTimeout(this.#timer)
    this.#timer = undefined
    const batch = this.#take()
    this.#running = true
    void this.#execute(batch)
  }

  #rowsWaiting(b: BatchOptions<T>): number {
    let n = 0
    for (const p of this.#waiting) n += b.rows(p.item)
    return n
  }

  #take(): Pending<T, R>[] {
    const first = this.#waiting.shift() as Pending<T, R>
    const b = this.#opts.batch
    if (!b) return [first]
    const batch = [first]
    let rows = b.rows(first.item)
    while (this.#waiting.length > 0) {
      const next = this.#waiting[0] as Pending<T, R>
      const r = b.rows(next.item)
      if (rows + r > b.maxBatchSize || !b.compatible(first.item, next.item)) break
      batch.push(this.#waiting.shift() as Pending<T, R>)
      rows += r
    }
    return batch
  }

  async #execute(batch: Pending<T, R>[]): Promise<void> {
    try {
      const results = await this.#opts.run(batch.map((p) => p.item))
      for (const [i, p] of batch.entries()) p.resolve(results[i] as R)
    } catch (err) {
      for (const p of batch) p.reject(err)
    } finally {
      this.#running = false
      this.#pump(false)
    }
  }
}
