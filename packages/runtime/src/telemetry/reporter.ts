/**
 * The telemetry reporter: samples and batches engine events (by count and time), seals batches with a
 * stable id into a bounded outbox, and delivers them oldest first with backoff; on page hide it hands
 * what is pending to a beacon. Platform-free: transport, storage, beacon and page events are passed in.
 */
import { MAX_EVENTS_PER_BATCH, type TelemetryBatch, type TelemetryEvent } from '@ferry/protocol'
import type { Outbox, SealedBatch } from './outbox.js'
import { sanitizeEvent } from './sanitize.js'
import type { Transport } from './transport.js'

export interface ReporterOptions {
  transport: Transport
  outbox: Outbox
  /** The per-install client id (may resolve later, e.g. from IndexedDB). */
  clientId: string | Promise<string>
  env: TelemetryBatch['client']['env']
  runtimeVersion: string
  /** Fraction of inference events kept (others are always kept). Default 1. */
  sampleRate?: number
  /** Longest an event waits before its batch is sent, ms. Default 10 s. */
  flushMs?: number
  /** Events per batch; a full batch is sent at once. Default 100. */
  maxBatch?: number
  /** Sends a body in the background as the page goes away; false when the browser refused it. */
  beacon?: (body: string) => boolean
  /** False when the host knows it is offline (navigator.onLine). */
  isOnline?: () => boolean
  /** Retry delays: doubling from `minMs` up to `maxMs`, with jitter. Default 1 s to 5 min. */
  backoff?: { minMs: number; maxMs: number }
  random?: () => number
  now?: () => number
  newId?: () => string
}

/** Hex of `bytes` random bytes (works in insecure contexts, unlike `crypto.randomUUID`). */
export function randomId(bytes = 16): string {
  const a = crypto.getRandomValues(new Uint8Array(bytes))
  let s = ''
  for (const b of a) s += b.toString(16).padStart(2, '0')
  return s
}

type Timer = ReturnType<typeof setTimeout>
const unref = (t: Timer) => {
  ;(t as { unref?: () => void }).unref?.()
  return t
}

/** What `ferry.telemetry.stats()` says. */
export interface TelemetryStats {
  sent: number
  queued: number
  dropped: number
}

export class TelemetryReporter {
  #buffer: TelemetryEvent[] = []
  #invalid = 0
  #flushTimer: Timer | undefined
  #retryTimer: Timer | undefined
  #backoffMs = 0
  #draining: Promise<void> | null = null
  #closed = false
  #client: TelemetryBatch['client'] | undefined
  readonly #clientReady: Promise<TelemetryBatch['client']>
  #sent = 0
  /** Events invalid or refused by the collector. */
  #invalidTotal = 0
  readonly #started: Promise<void>
  readonly #o: Required<
    Pick<ReporterOptions, 'sampleRate' | 'flushMs' | 'maxBatch' | 'backoff' | 'random' | 'now' | 'newId'>
  > &
    ReporterOptions

  constructor(options: ReporterOptions) {
    this.#o = {
      sampleRate: 1,
      flushMs: 10_000,
      maxBatch: 100,
      backoff: { minMs: 1000, maxMs: 300_000 },
      random: Math.random,
      now: Date.now,
      newId: randomId,
      ...options,
    }
    this.#o.sampleRate = Math.min(1, Math.max(0, this.#o.sampleRate))
    this.#o.maxBatch = Math.min(Math.max(1, this.#o.maxBatch), MAX_EVENTS_PER_BATCH)
    this.#clientReady = Promise.resolve(options.clientId).then((id) => {
      this.#client = { id, runtime: options.runtimeVersion, env: options.env }
      return this.#client
    })
    // Batches left by an earlier session (e.g. closed while offline) go out first.
    this.#started = options.outbox
      .load()
      .then(() => this.#clientReady)
      .then(() => {
        if (this.#o.outbox.list().length > 0 && !this.#retryTimer) void this.#drain()
      })
      .catch(() => {})
  }

  /** Queues one engine event (sampled, stripped to its wire fields). Never throws. */
  record(event: TelemetryEvent): void {
    if (this.#closed) return
    if (event.type === 'inference' && this.#o.sampleRate < 1 && this.#o.random() >= this.#o.sampleRate) return
    const clean = sanitizeEvent(event)
    if (!clean) {
      this.#invalid++
      this.#invalidTotal++
      return
    }
    this.#buffer.push(clean)
    if (this.#buffer.length >= this.#o.maxBatch) void this.flush()
    else this.#flushTimer ??= unref(setTimeout(() => void this.flush(), this.#o.flushMs))
  }

  /** Seals what is buffered and tries to deliver every pending batch now. */
  async flush(): Promise<void> {
    this.#seal(true)
    await this.#drain()
  }

  /** The page is going away or hidden: seal, and hand pending batches to the beacon while online. */
  hidden(): void {
    if (this.#closed) return
    this.#seal(true)
    const client = this.#client
    if (!this.#o.beacon || !client || this.#o.isOnline?.() === false) {
      void this.#drain()
      return
    }
    let budget = 60_000
    const sent: string[] = []
    for (const b of this.#o.outbox.list()) {
      const body = this.#body(client, b)
      if (body.length > budget || !this.#o.beacon(body)) break
      budget -= body.length
      sent.push(b.batchId)
      this.#sent += b.events.length
    }
    this.#o.outbox.remove(sent)
    if (this.#o.outbox.list().length > 0) void this.#drain()
  }

  /** The network is back: retry now, with the backoff reset. */
  online(): void {
    if (this.#closed) return
    this.#backoffMs = 0
    if (this.#retryTimer) clearTimeout(this.#retryTimer)
    this.#retryTimer = undefined
    void this.#drain()
  }

  /**
   * Stops recording, seals and delivers what is pending, waiting at most `timeoutMs`; undelivered
   * batches stay in the outbox's storage for the next session.
   */
  async close(timeoutMs = 3000): Promise<void> {
    if (this.#closed) return
    this.#seal(true)
    this.#closed = true
    let timer: Timer | undefined
    const deadline = new Promise<void>((r) => {
      timer = unref(setTimeout(r, timeoutMs))
    })
    await Promise.race([this.#drainFinal(), deadline])
    clearTimeout(timer)
    if (this.#retryTimer) clearTimeout(this.#retryTimer)
    await Promise.race([this.#o.outbox.settled(), new Promise((r) => unref(setTimeout(r, 500)))])
  }

  /**
   * Events delivered, waiting, and dropped (invalid, refused by the collector, or past the outbox's
   * bound) since this reporter started.
   */
  stats(): TelemetryStats {
    return {
      sent: this.#sent,
      queued: this.pending,
      dropped: this.#o.outbox.droppedSinceStart + this.#invalidTotal,
    }
  }

  /** Events buffered plus events sealed but not delivered. */
  get pending(): number {
    return this.#buffer.length + this.#o.outbox.pendingEvents
  }

  /** Resolves once the batches earlier sessions left in storage are loaded (and queued for delivery). */
  ready(): Promise<void> {
    return this.#started
  }

  #seal(force: boolean): void {
    if (this.#flushTimer) clearTimeout(this.#flushTimer)
    this.#flushTimer = undefined
    if (this.#closed) return
    const hasDropped = this.#o.outbox.dropped > 0 || this.#invalid > 0
    if (this.#buffer.length === 0 && !(force && hasDropped)) return
    const batch: SealedBatch = { batchId: this.#o.newId(), createdAt: this.#o.now(), events: this.#buffer }
    const dropped = this.#o.outbox.takeDropped() + this.#invalid
    if (dropped > 0) batch.dropped = dropped
    if (this.#o.sampleRate < 1) batch.sampleRate = this.#o.sampleRate
    this.#buffer = []
    this.#invalid = 0
    this.#o.outbox.add(batch)
  }

  #body(client: TelemetryBatch['client'], b: SealedBatch): string {
    const wire: TelemetryBatch = { client, batchId: b.batchId, events: b.events }
    if (b.dropped) wire.dropped = b.dropped
    if (b.sampleRate !== undefined) wire.sampleRate = b.sampleRate
    return JSON.stringify(wire)
  }

  /** Waits out a drain in progress (which stops at the next batch once closed), then sends the rest. */
  async #drainFinal(): Promise<void> {
    while (this.#draining) await this.#draining
    await this.#drain(true)
  }

  #drain(final = false): Promise<void> {
    if (this.#draining) return this.#draining
    this.#draining = (async () => {
      try {
        await this.#started
        const client = await this.#clientReady
        for (;;) {
          if (this.#closed && !final) return
          const b = this.#o.outbox.list()[0]
          if (!b) return
          if (this.#o.isOnline?.() === false) return this.#scheduleRetry(0, final)
          const r = await this.#o.transport(this.#body(client, b))
          if (r.kind === 'retry') return this.#scheduleRetry(r.afterMs, final)
          this.#o.outbox.remove([b.batchId])
          if (r.kind === 'sent') this.#sent += b.events.length
          else this.#invalidTotal += b.events.length
          this.#backoffMs = 0
        }
      } finally {
        this.#draining = null
      }
    })()
    return this.#draining
  }

  #scheduleRetry(afterMs: number, final: boolean): void {
    if (final || this.#closed || this.#retryTimer) return
    const { minMs, maxMs } = this.#o.backoff
    this.#backoffMs = Math.min(maxMs, this.#backoffMs ? this.#backoffMs * 2 : minMs)
    const delay = Math.max(afterMs, this.#backoffMs * (0.5 + this.#o.random() / 2))
    this.#retryTimer = unref(
      setTimeout(() => {
        this.#retryTimer = undefined
        void this.#drain()
      }, delay),
    )
  }
}
