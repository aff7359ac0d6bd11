/**
 * Turns engine events into wire events: only the schema's own fields are copied (never inputs, outputs or
 * anything else a caller attached), numbers are clamped, strings cut, and closed sets checked, so the
 * collector accepts the batch. Table-driven rather than schema-driven to keep valibot out of the main
 * bundle; the closed sets come from the protocol's constants, which carry no schema.
 */
import {
  BACKENDS,
  CACHE_ACTIONS,
  LOAD_SOURCES,
  MAX_EVENT_TS,
  MIN_EVENT_TS,
  PLACEMENTS,
  type TelemetryEvent,
} from '@ferry/protocol'

/** Wire fields per event type; a `?` marks an optional one. */
const FIELDS: Record<TelemetryEvent['type'], string> = {
  inference: 'model version backend batch queueMs computeMs ok placement? ts',
  load: 'model version backend source bytes ms ts',
  fallback: 'model version from to reason placement? ts',
  cache: 'action model version bytes? ts',
  error: 'code model? version? ts',
}
const SETS: Record<string, readonly string[]> = {
  backend: BACKENDS,
  from: BACKENDS,
  to: BACKENDS,
  source: LOAD_SOURCES,
  placement: PLACEMENTS,
  action: CACHE_ACTIONS,
}
const MAX_LENGTH: Record<string, number> = { model: 128, reason: 256, code: 64 }

/** `ts` when it is a time the collector takes, else now; clamped into the range (a clock set to 1970). */
function eventTime(x: unknown): number {
  const t = typeof x === 'number' && x >= MIN_EVENT_TS && x <= MAX_EVENT_TS ? x : Date.now()
  return Math.min(Math.max(t, MIN_EVENT_TS), MAX_EVENT_TS)
}
const INTEGER = new Set(['version', 'bytes', 'batch'])

/** A copy of `e` holding only wire fields, or null when it cannot be made valid. */
export function sanitizeEvent(e: TelemetryEvent): TelemetryEvent | null {
  const fields = Object.hasOwn(FIELDS, e.type) ? FIELDS[e.type] : undefined
  if (!fields) return null
  const src = e as unknown as Record<string, unknown>
  const out: Record<string, unknown> = { type: e.type }
  for (const f of fields.split(' ')) {
    const k = f.replace('?', '')
    const x = src[k]
    if (x === undefined && k !== f) continue
    if (SETS[k]) {
      if (!SETS[k].includes(x as string)) return null
      out[k] = x
    } else if (k === 'ok') out[k] = x === true
    else if (k === 'ts') out[k] = eventTime(x)
    else if (MAX_LENGTH[k]) out[k] = typeof x === 'string' ? x.slice(0, MAX_LENGTH[k]) : ''
    else {
      let n = typeof x === 'number' && Number.isFinite(x) ? Math.min(Math.max(x, 0), 1e9) : 0
      if (INTEGER.has(k)) n = Math.round(n)
      if (k === 'batch') n = Math.min(Math.max(n, 1), 1e6)
      out[k] = n
    }
  }
  return out as unknown as TelemetryEvent
}
