/**
 * The telemetry collector: checks, validates, de-duplicates and folds client batches. Platform-free
 * (`Request` in, `Response` out) so the Hono route, tests and benchmarks drive the same code.
 */
import {
  FerryError,
  MAX_EVENTS_PER_BATCH,
  safeParseTelemetryBatch,
  type TelemetryBatch,
} from '@ferry/protocol'
import type { MetricsRegistry } from '../metrics/registry.js'
import { readCappedText } from './body.js'
import { foldBatch } from './fold.js'
import { KnownModels, type KnownModelsSource } from './labels.js'
import { RateLimiter, type RateOptions, SeenSet } from './limits.js'
import { type ClientSeries, registerClientSeries } from './series.js'

export interface CollectorLimits {
  /** Largest body accepted, bytes (413 past it). Default 256 KiB. */
  maxBodyBytes: number
  /** Most events per batch (413 past it); at most the protocol's MAX_EVENTS_PER_BATCH. Default 500. */
  maxEventsPerBatch: number
  /** Requests per client id. Default 2/s, bursts of 30. */
  perClient: RateOptions
  /** Requests per IP address, when the platform tells it. Default 50/s, bursts of 500. */
  perIp: RateOptions
  /** Most client ids / IPs tracked by each rate limiter. Default 50,000. */
  maxTrackedKeys: number
  /** Most batch ids remembered for de-duplication. Default 200,000. */
  dedupeEntries: number
  /** How long a batch id is remembered, ms. Default 1 h. */
  dedupeTtlMs: number
  /** How long the registry's list of known models is cached, ms. Default 5 s. */
  knownModelsTtlMs: number
}

export const DEFAULT_COLLECTOR_LIMITS: Readonly<CollectorLimits> = Object.freeze({
  maxBodyBytes: 256 * 1024,
  maxEventsPerBatch: MAX_EVENTS_PER_BATCH,
  perClient: { rate: 2, burst: 30 },
  perIp: { rate: 50, burst: 500 },
  maxTrackedKeys: 50_000,
  dedupeEntries: 200_000,
  dedupeTtlMs: 3_600_000,
  knownModelsTtlMs: 5000,
})

export interface CollectorOptions {
  /** Where the `ferry_client_*` series are registered (the app's registry, rendered on `/metrics`). */
  metrics: MetricsRegistry
  /** What the registry holds; model and version labels are limited to it. */
  knownModels: KnownModelsSource
  limits?: Partial<CollectorLimits>
  now?: () => number
}

export interface Collector {
  readonly limits: Readonly<CollectorLimits>
  readonly series: ClientSeries
  readonly known: KnownModels
  /** Handles one `POST /v1/telemetry`; `ip` is the peer address when the platform knows it. */
  handle(req: Request, ip?: string): Promise<Response>
  /** Folds an already validated batch (de-duplicated by `batchId`); false when it was a duplicate. */
  ingest(batch: TelemetryBatch): Promise<boolean>
}

const ACCEPTED_TYPES = ['application/json', 'text/plain', '']

function errorResponse(err: FerryError, headers?: Record<string, string>): Response {
  return new Response(JSON.stringify(err.toJSON()), {
    status: err.status,
    headers: { 'content-type': 'application/json', ...headers },
  })
}

/** Builds a collector whose series live on `options.metrics`. */
export function createCollector(options: CollectorOptions): Collector {
  const limits: CollectorLimits = { ...DEFAULT_COLLECTOR_LIMITS, ...options.limits }
  limits.maxEventsPerBatch = Math.min(limits.maxEventsPerBatch, MAX_EVENTS_PER_BATCH)
  const now = options.now ?? Date.now
  const series = registerClientSeries(options.metrics)
  const known = new KnownModels(options.knownModels, { ttlMs: limits.knownModelsTtlMs, now })
  const byClient = new RateLimiter(limits.perClient, limits.maxTrackedKeys, now)
  const byIp = new RateLimiter(limits.perIp, limits.maxTrackedKeys, now)
  const seen = new SeenSet(limits.dedupeEntries, limits.dedupeTtlMs, now)
  const count = (result: string) => series.batches.inc({ result })

  const rateLimited = (wait: number, who: string) => {
    count('rate_limited')
    const retry = Math.max(1, Math.ceil(wait))
    return errorResponse(
      new FerryError('RATE_LIMITED', `too many telemetry requests from this ${who}; retry in ${retry} s`),
      { 'retry-after': String(retry) },
    )
  }

  async function ingest(batch: TelemetryBatch): Promise<boolean> {
    await known.ready()
    // From here on no await: the duplicate check, the mark and the fold happen atomically.
    const key = batch.batchId === undefined ? undefined : `${batch.client.id}\u0000${batch.batchId}`
    if (key !== undefined && seen.has(key)) return false
    foldBatch(series, known, batch)
    if (key !== undefined) seen.add(key)
    return true
  }

  async function handle(req: Request, ip?: string): Promise<Response> {
    if (ip) {
      const wait = byIp.take(ip)
      if (wait > 0) return rateLimited(wait, 'address')
    }
    const type = (req.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase()
    if (!ACCEPTED_TYPES.includes(type)) {
      count('invalid')
      return errorResponse(
        new FerryError('UNSUPPORTED_MEDIA_TYPE', 'send telemetry as application/json or text/plain JSON'),
      )
    }
    let text: string
    try {
      text = await readCappedText(req, limits.maxBodyBytes)
    } catch (err) {
      if (err instanceof FerryError) {
        count('too_large')
        return errorResponse(err, { connection: 'close' })
      }
      throw err
    }
    let raw: unknown
    try {
      raw = JSON.parse(text)
    } catch {
      count('invalid')
      return errorResponse(new FerryError('INVALID_JSON', 'telemetry body is not valid JSON'))
    }
    const events = (raw as { events?: unknown } | null)?.events
    if (Array.isArray(events) && events.length > limits.maxEventsPerBatch) {
      count('too_large')
      return errorResponse(
        new FerryError(
          'PAYLOAD_TOO_LARGE',
          `a batch may carry at most ${limits.maxEventsPerBatch} events; got ${events.length}`,
        ),
      )
    }
    const parsed = safeParseTelemetryBatch(raw)
    if (!parsed.ok) {
      count('invalid')
      return errorResponse(new FerryError('INVALID_TELEMETRY', parsed.message))
    }
    const wait = byClient.take(parsed.batch.client.id)
    if (wait > 0) return rateLimited(wait, 'client')
    const fresh = await ingest(parsed.batch)
    count(fresh ? 'accepted' : 'duplicate')
    return new Response(
      JSON.stringify({ accepted: fresh ? parsed.batch.events.length : 0, duplicate: !fresh }),
      { status: 202, headers: { 'content-type': 'application/json' } },
    )
  }

  return { limits, series, known, handle, ingest }
}
