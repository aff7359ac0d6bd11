import { safeParseTelemetryBatch, type TelemetryEvent } from '@ferry/protocol'
import { describe, expect, it } from 'vitest'
import { sanitizeEvent } from './sanitize.js'

const ts = 1_764_115_200_000
const client = { id: 'c', runtime: '0.1.0', env: 'browser' as const }

describe('sanitizeEvent', () => {
  it('produces events the collector schema accepts, from hostile or broken input', () => {
    const raw = [
      {
        type: 'inference',
        model: 'm'.repeat(500),
        version: 1.7,
        backend: 'wasm',
        batch: 0,
        queueMs: -3,
        computeMs: Number.NaN,
        ok: 1,
        ts: -1,
        inputs: [1],
      },
      {
        type: 'load',
        model: 'm',
        version: 2,
        backend: 'webgpu',
        source: 'cache',
        bytes: 1e12,
        ms: Number.POSITIVE_INFINITY,
        ts,
      },
      { type: 'fallback', model: 'm', version: 2, from: 'webgpu', to: 'wasm', reason: 'x'.repeat(999), ts },
      { type: 'cache', action: 'evict', model: 'm', version: 2, bytes: 3.5, ts, outputs: 'secret' },
      { type: 'error', code: 'C'.repeat(100), ts },
    ] as unknown as TelemetryEvent[]
    const events = raw.map(sanitizeEvent)
    expect(events.every((e) => e !== null)).toBe(true)
    const r = safeParseTelemetryBatch({ client, events })
    expect(r.ok ? 'ok' : r.message).toBe('ok')
    expect(JSON.stringify(events)).not.toMatch(/inputs|secret/)
    // A real event time is kept as it is (it was once clamped to 1e9, a date in 1970).
    expect(events.slice(1).map((e) => e?.ts)).toEqual([ts, ts, ts, ts])
  })

  it('replaces an event time the collector would refuse (NaN, 1e999, 1970) with a valid one', () => {
    const error = (t: unknown) =>
      sanitizeEvent({ type: 'error', code: 'X', ts: t } as unknown as TelemetryEvent)
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, 1e9, 5e12, 'soon']) {
      const r = safeParseTelemetryBatch({ client, events: [error(bad)] })
      expect(r.ok ? 'ok' : r.message).toBe('ok')
    }
  })

  it('refuses events outside the closed sets', () => {
    const bad = [
      {
        type: 'inference',
        model: 'm',
        version: 1,
        backend: 'webgl',
        batch: 1,
        queueMs: 0,
        computeMs: 0,
        ok: true,
        ts,
      },
      { type: 'load', model: 'm', version: 1, backend: 'wasm', source: 'floppy', bytes: 1, ms: 1, ts },
      { type: 'cache', action: 'explode', model: 'm', version: 1, ts },
      { type: 'keystroke', key: 'a', ts },
    ] as unknown as TelemetryEvent[]
    expect(bad.map(sanitizeEvent)).toEqual([null, null, null, null])
  })
})
