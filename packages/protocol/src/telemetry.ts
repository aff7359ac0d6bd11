/** Telemetry events sent by runtimes to `POST /v1/telemetry`, and their closed label sets. */
import * as v from 'valibot'
import {
  BACKENDS,
  CACHE_ACTIONS,
  ENVS,
  FALLBACK_REASONS,
  LOAD_SOURCES,
  MAX_EVENT_TS,
  MAX_EVENTS_PER_BATCH,
  MIN_EVENT_TS,
  PLACEMENTS,
} from './constants.js'
import { ERROR_CODES } from './errors.js'

const Str = (max: number) => v.pipe(v.string(), v.maxLength(max))
const NonNeg = v.pipe(v.number(), v.minValue(0), v.maxValue(1e9))
const Ts = v.pipe(
  v.number('ts must be a number'),
  v.finite('ts must be a finite time in ms since 1970'),
  v.minValue(MIN_EVENT_TS, 'ts must be a time in ms since 1970, from 2020-01-01'),
  v.maxValue(MAX_EVENT_TS, 'ts must be a time in ms since 1970, before 2100-01-01'),
)
const Model = Str(128)
const Version = v.pipe(v.number(), v.integer(), v.minValue(0))
const Backend = v.picklist(BACKENDS)
/** Where it ran (absent: the device, as runtimes before placement sent it). */
const Placement = v.optional(v.picklist(PLACEMENTS))

export const LoadEventSchema = v.object({
  type: v.literal('load'),
  model: Model,
  version: Version,
  backend: Backend,
  source: v.picklist(LOAD_SOURCES),
  bytes: NonNeg,
  ms: NonNeg,
  ts: Ts,
})
export const InferenceEventSchema = v.object({
  type: v.literal('inference'),
  model: Model,
  version: Version,
  backend: Backend,
  batch: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(1_000_000)),
  queueMs: NonNeg,
  computeMs: NonNeg,
  ok: v.boolean(),
  placement: Placement,
  ts: Ts,
})
export const FallbackEventSchema = v.object({
  type: v.literal('fallback'),
  model: Model,
  version: Version,
  from: Backend,
  to: Backend,
  reason: Str(256),
  /** The placement the model moved to (absent: the device). */
  placement: Placement,
  ts: Ts,
})
export const CacheEventSchema = v.object({
  type: v.literal('cache'),
  action: v.picklist(CACHE_ACTIONS),
  model: Model,
  version: Version,
  bytes: v.optional(NonNeg),
  ts: Ts,
})
export const ErrorEventSchema = v.object({
  type: v.literal('error'),
  model: v.optional(Model),
  version: v.optional(Version),
  code: Str(64),
  ts: Ts,
})

export const TelemetryEventSchema = v.variant('type', [
  LoadEventSchema,
  InferenceEventSchema,
  FallbackEventSchema,
  CacheEventSchema,
  ErrorEventSchema,
])

export const TelemetryBatchSchema = v.object({
  client: v.object({
    id: Str(64),
    runtime: Str(32),
    env: v.picklist(ENVS),
  }),
  batchId: v.optional(Str(64)),
  dropped: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0))),
  /** Fraction of inference events the client kept (sampling); the collector scales counts by its inverse. */
  sampleRate: v.optional(v.pipe(v.number(), v.minValue(0), v.maxValue(1))),
  events: v.pipe(v.array(TelemetryEventSchema), v.maxLength(MAX_EVENTS_PER_BATCH)),
})

export type TelemetryEvent = v.InferOutput<typeof TelemetryEventSchema>
export type TelemetryBatch = v.InferOutput<typeof TelemetryBatchSchema>
export type LoadEvent = v.InferOutput<typeof LoadEventSchema>
export type InferenceEvent = v.InferOutput<typeof InferenceEventSchema>
export type FallbackEvent = v.InferOutput<typeof FallbackEventSchema>
export type CacheEvent = v.InferOutput<typeof CacheEventSchema>
export type ErrorEvent = v.InferOutput<typeof ErrorEventSchema>

/** Maps a free-form fallback reason (`session-failed: …`) onto its closed label. */
export function fallbackReasonLabel(reason: string): string {
  const head = reason.split(':')[0]?.trim() ?? ''
  return (FALLBACK_REASONS as readonly string[]).includes(head) ? head : 'other'
}

/** Maps an error code onto a closed label. */
export function errorCodeLabel(code: string): string {
  return Object.hasOwn(ERROR_CODES, code) ? code : 'other'
}

/** Validates a batch; returns the issues' text on failure. */
export function safeParseTelemetryBatch(
  input: unknown,
): { ok: true; batch: TelemetryBatch } | { ok: false; message: string } {
  const r = v.safeParse(TelemetryBatchSchema, input)
  if (r.success) return { ok: true, batch: r.output }
  const i = r.issues[0]
  const path = i?.path?.map((p) => String(p.key)).join('.') ?? ''
  return {
    ok: false,
    message: `invalid telemetry batch: ${path ? `${path}: ` : ''}${i?.message ?? 'unknown'}`,
  }
}
