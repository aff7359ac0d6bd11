/**
 * Sealed batches waiting to be delivered, bounded: past the bound the oldest are dropped and their events
 * counted, so the next batch can report them as `dropped`. Kept in memory and mirrored to a storage
 * adapter (IndexedDB in browsers) so they survive reloads and wait out offline periods.
 */

/** A batch as stored: everything but the client block, which is added when sending. */
export interface SealedBatch {
  batchId: string
  createdAt: number
  events: import('@ferry/protocol').TelemetryEvent[]
  dropped?: number
  sampleRate?: number
}

/** Where the outbox persists; every method may fail (quota, private mode) and the outbox carries on. */
export interface OutboxStorage {
  load(): Promise<{ batches: SealedBatch[]; dropped: number }>
  put(batch: SealedBatch): Promise<void>
  delete(batchIds: string[]): Promise<void>
  setDropped(n: number): Promise<void>
}

export interface OutboxLimits {
  /** Most batches kept. Default 100. */
  maxBatches: number
  /** Most events kept across batches. Default 5,000. */
  maxEvents: number
}

/** Storage that keeps nothing beyond the process (Node, Deno, or when IndexedDB is unavailable). */
export function memoryStorage(): OutboxStorage {
  return {
    load: async () => ({ batches: [], dropped: 0 }),
    put: async () => {},
    delete: async () => {},
    setDropped: async () => {},
  }
}

export class Outbox {
  #batches: SealedBatch[] = []
  #droppedCount = 0
  #events = 0
  #chain: Promise<unknown> = Promise.resolve()
  readonly #limits: OutboxLimits

  #storage: OutboxStorage

  constructor(storage: OutboxStorage, limits: Partial<OutboxLimits> = {}) {
    this.#storage = storage
    this.#limits = { maxBatches: 100, maxEvents: 5000, ...limits }
  }

  /** Merges what storage holds from earlier sessions (oldest first), then applies the bounds. */
  async load(): Promise<void> {
    const stored = await this.#storage.load().catch(() => ({ batches: [], dropped: 0 }))
    const have = new Set(this.#batches.map((b) => b.batchId))
    const merged = [...stored.batches.filter((b) => !have.has(b.batchId)), ...this.#batches]
    merged.sort((a, b) => a.createdAt - b.createdAt)
    this.#batches = merged
    this.#events = merged.reduce((n, b) => n + b.events.length, 0)
    this.#droppedCount += stored.dropped
    this.#enforce()
  }

  /** Adds a sealed batch; drops the oldest ones if the bounds are passed. */
  add(batch: SealedBatch): void {
    this.#batches.push(batch)
    this.#events += batch.events.length
    this.#persist((s) => s.put(batch))
    this.#enforce()
  }

  /** Removes delivered (or rejected) batches. */
  remove(batchIds: string[]): void {
    const ids = new Set(batchIds)
    const kept = this.#batches.filter((b) => !ids.has(b.batchId))
    if (kept.length === this.#batches.length) return
    this.#batches = kept
    this.#events = kept.reduce((n, b) => n + b.events.length, 0)
    this.#persist((s) => s.delete(batchIds))
  }

  /** Returns and resets the count of events dropped so far (for the next batch's `dropped`). */
  takeDropped(): number {
    const n = this.#droppedCount
    if (n > 0) {
      this.#droppedCount = 0
      this.#persist((s) => s.setDropped(0))
    }
    return n
  }

  /** Pending batches, oldest first. */
  list(): readonly SealedBatch[] {
    return this.#batches
  }

  get dropped(): number {
    return this.#droppedCount
  }

  /** Events dropped by this outbox since it was made (never reset). */
  droppedSinceStart = 0

  get pendingEvents(): number {
    return this.#events
  }

  /** Resolves when every storage write so far has settled. */
  settled(): Promise<void> {
    return this.#chain.then(() => {})
  }

  #enforce(): void {
    const gone: string[] = []
    while (
      this.#batches.length > 0 &&
      (this.#batches.length > this.#limits.maxBatches || this.#events > this.#limits.maxEvents)
    ) {
      const b = this.#batches.shift()!
      this.#events -= b.events.length
      this.#droppedCount += b.events.length + (b.dropped ?? 0)
      this.droppedSinceStart += b.events.length
      gone.push(b.batchId)
    }
    if (gone.length) {
      const n = this.#droppedCount
      this.#persist(async (s) => {
        await s.delete(gone)
        await s.setDropped(n)
      })
    }
  }

  #persist(op: (s: OutboxStorage) => Promise<void>): void {
    this.#chain = this.#chain.then(() => op(this.#storage)).catch(() => {})
  }
}
