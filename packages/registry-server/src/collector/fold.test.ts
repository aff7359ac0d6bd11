import type { TelemetryBatch, TelemetryEvent } from '@ferry/protocol'
import { describe, expect, it } from 'vitest'
import { MetricsRegistry } from '../metrics/registry.js'
import { foldBatch } from './fold.js'
import { KnownModels } from './labels.js'
import { registerClientSeries } from './series.js'

const ts = 1_764_115_200_000

async function setup() {
  const metrics = new MetricsRegistry()
  const series = registerClientSeries(metrics)
  const known = new KnownModels(async () => [
    { name: 'digits', versions: [1, 3] },
    { name: 'vad', versions: [1] },
  ])
  await known.ready()
  const fold = (events: TelemetryEvent[], extra: Partial<TelemetryBatch> = {}) =>
    foldBatch(series, known, { client: { id: 'c1', runtime: '0.1.0', env: 'browser' }, events, ...extra })
  return { metrics, series, known, fold }
}

const inference = (o: Partial<Extract<TelemetryEvent, { type: 'inference' }>> = {}): TelemetryEvent => ({
  type: 'inference',
  model: 'digits',
  version: 3,
  backend: 'webgpu',
  batch: 4,
  queueMs: 0.4,
  computeMs: 2.1,
  ok: true,
  ts,
  ...o,
})

describe('foldBatch', () => {
  it('counts inferences by model, version, backend and outcome, and observes durations in seconds', async () => {
    const { series, fold, metrics } = await setup()
    fold([inference(), inference(), inference({ ok: false, backend: 'wasm', computeMs: 40 })])
    expect(
      series.inferences.value({
        model: 'digits',
        version: '3',
        backend: 'webgpu',
        placement: 'device',
        ok: 'true',
      }),
    ).toBe(2)
    expect(
      series.inferences.value({
        model: 'digits',
        version: '3',
        backend: 'wasm',
        placement: 'device',
        ok: 'false',
      }),
    ).toBe(1)
    expect(
      series.inferenceItems.value({ model: 'digits', version: '3', backend: 'webgpu', placement: 'device' }),
    ).toBe(8)
    expect(series.events.value({ type: 'inference', env: 'browser' })).toBe(3)
    const text = metrics.render()
    expect(text).toContain(
      'ferry_client_inference_compute_seconds_bucket{model="digits",version="3",backend="webgpu",placement="device",le="0.0025"} 2',
    )
    expect(text).toContain(
      'ferry_client_inference_compute_seconds_bucket{model="digits",version="3",backend="wasm",placement="device",le="0.025"} 0',
    )
    expect(text).toContain(
      'ferry_client_inference_compute_seconds_bucket{model="digits",version="3",backend="wasm",placement="device",le="0.05"} 1',
    )
    expect(text).toContain(
      'ferry_client_inference_queue_seconds_sum{model="digits",version="3",backend="webgpu",placement="device"} 0.0008',
    )
    expect(text).toContain('ferry_client_inference_batch_size_count{model="digits",version="3"} 3')
  })

  it('splits inference series by placement (device or edge) and counts placement changes by reason', async () => {
    const { series, fold, metrics } = await setup()
    fold([
      inference({ backend: 'wasm' }),
      inference({ backend: 'cpu', placement: 'edge', computeMs: 30 }),
      inference({ backend: 'cpu', placement: 'edge', computeMs: 30 }),
      {
        type: 'fallback',
        model: 'digits',
        version: 3,
        from: 'wasm',
        to: 'cpu',
        placement: 'edge',
        reason: 'over-device-budget: 67108864 bytes > 50000000',
        ts,
      },
      {
        type: 'fallback',
        model: 'digits',
        version: 3,
        from: 'cpu',
        to: 'wasm',
        placement: 'device',
        reason: 'device-ready',
        ts,
      },
    ])
    const l = { model: 'digits', version: '3' }
    expect(series.inferences.value({ ...l, backend: 'wasm', placement: 'device', ok: 'true' })).toBe(1)
    expect(series.inferences.value({ ...l, backend: 'cpu', placement: 'edge', ok: 'true' })).toBe(2)
    expect(metrics.render()).toContain(
      'ferry_client_inference_compute_seconds_count{model="digits",version="3",backend="cpu",placement="edge"} 2',
    )
    const moved = {
      model: 'digits',
      from: 'wasm',
      to: 'cpu',
      placement: 'edge',
      reason: 'over-device-budget',
    }
    expect(series.fallbacks.value(moved)).toBe(1)
    const back = { model: 'digits', from: 'cpu', to: 'wasm', placement: 'device', reason: 'device-ready' }
    expect(series.fallbacks.value(back)).toBe(1)
    expect(series.unknownLabels.value({ label: 'reason' })).toBe(0)
  })

  it('folds load, fallback, cache, error events and dropped counts', async () => {
    const { series, fold } = await setup()
    fold(
      [
        {
          type: 'load',
          model: 'vad',
          version: 1,
          backend: 'wasm',
          source: 'network',
          bytes: 1000,
          ms: 1200,
          ts,
        },
        { type: 'load', model: 'vad', version: 1, backend: 'wasm', source: 'cache', bytes: 1000, ms: 40, ts },
        {
          type: 'fallback',
          model: 'vad',
          version: 1,
          from: 'webgpu',
          to: 'wasm',
          reason: 'session-failed: op X',
          ts,
        },
        { type: 'fallback', model: 'vad', version: 1, from: 'webgpu', to: 'wasm', reason: 'cosmic rays', ts },
        { type: 'cache', action: 'evict', model: 'digits', version: 1, bytes: 500, ts },
        { type: 'cache', action: 'hit', model: 'digits', version: 3, ts },
        { type: 'error', model: 'digits', version: 3, code: 'SHAPE_MISMATCH', ts },
        { type: 'error', code: 'MADE_UP_CODE', ts },
      ],
      { dropped: 7 },
    )
    expect(series.loads.value({ model: 'vad', version: '1', backend: 'wasm', source: 'network' })).toBe(1)
    expect(series.downloadedBytes.value({ model: 'vad', version: '1', source: 'network' })).toBe(1000)
    expect(series.downloadedBytes.value({ model: 'vad', version: '1', source: 'cache' })).toBe(1000)
    expect(
      series.fallbacks.value({
        model: 'vad',
        from: 'webgpu',
        to: 'wasm',
        placement: 'device',
        reason: 'session-failed',
      }),
    ).toBe(1)
    expect(
      series.fallbacks.value({
        model: 'vad',
        from: 'webgpu',
        to: 'wasm',
        placement: 'device',
        reason: 'other',
      }),
    ).toBe(1)
    expect(series.cacheEvents.value({ model: 'digits', version: '1', action: 'evict' })).toBe(1)
    expect(series.cacheBytes.value({ model: 'digits', action: 'evict' })).toBe(500)
    expect(series.cacheEvents.value({ model: 'digits', version: '3', action: 'hit' })).toBe(1)
    expect(series.errors.value({ model: 'digits', code: 'SHAPE_MISMATCH' })).toBe(1)
    expect(series.errors.value({ model: 'none', code: 'other' })).toBe(1)
    expect(series.eventsDropped.value({ env: 'browser' })).toBe(7)
    expect(series.unknownLabels.value({ label: 'reason' })).toBe(1)
    expect(series.unknownLabels.value({ label: 'code' })).toBe(1)
  })

  it('counts models and versions the registry does not know as other', async () => {
    const { series, fold } = await setup()
    fold([inference({ model: 'nope' }), inference({ version: 99 })])
    expect(
      series.inferences.value({
        model: 'other',
        version: 'other',
        backend: 'webgpu',
        placement: 'device',
        ok: 'true',
      }),
    ).toBe(1)
    expect(
      series.inferences.value({
        model: 'digits',
        version: 'other',
        backend: 'webgpu',
        placement: 'device',
        ok: 'true',
      }),
    ).toBe(1)
    expect(series.unknownLabels.value({ label: 'model' })).toBe(1)
    expect(series.unknownLabels.value({ label: 'version' })).toBe(1)
  })

  it('adds a bounded number of series however many made-up names a client posts', async () => {
    const { series, fold, metrics } = await setup()
    fold([inference()])
    const before = metrics.render().split('\n').length
    for (let i = 0; i < 20; i++) {
      const events: TelemetryEvent[] = []
      for (let j = 0; j < 500; j++) {
        const n = `${i}-${j}`
        events.push(inference({ model: `evil-${n}`, version: i * 500 + j + 1 }))
        events.push({ type: 'error', model: `evil-${n}`, code: `CODE_${n}`, ts })
        events.push({
          type: 'fallback',
          model: `evil-${n}`,
          version: 1,
          from: 'webgpu',
          to: 'wasm',
          reason: n,
          ts,
        })
        events.push({
          type: 'load',
          model: 'digits',
          version: 1000 + j,
          backend: 'wasm',
          source: 'network',
          bytes: 1,
          ms: 1,
          ts,
        })
      }
      fold(events)
    }
    // 10,000 made-up names, versions, codes and reasons: each series gains at most one `other` label set.
    expect(series.inferences.size).toBe(2)
    expect(series.errors.size).toBe(1)
    expect(series.fallbacks.size).toBe(1)
    expect(series.loads.size).toBe(1)
    const after = metrics.render().split('\n').length
    expect(after - before).toBeLessThan(200)
    expect(
      series.inferences.value({
        model: 'other',
        version: 'other',
        backend: 'webgpu',
        placement: 'device',
        ok: 'true',
      }),
    ).toBe(10_000)
  })

  it('scales inference counts by the sample rate, clamped to a weight of 100', async () => {
    const { series, fold } = await setup()
    fold([inference()], { sampleRate: 0.25 })
    fold([inference()], { sampleRate: 0.000001 })
    expect(
      series.inferences.value({
        model: 'digits',
        version: '3',
        backend: 'webgpu',
        placement: 'device',
        ok: 'true',
      }),
    ).toBe(104)
  })

  it('caps the dropped count one batch can report', async () => {
    const { series, fold } = await setup()
    fold([], { dropped: 1e12 })
    expect(series.eventsDropped.value({ env: 'browser' })).toBe(100_000)
  })
})

describe('KnownModels', () => {
  it('refreshes a stale listing in the background and keeps the last good set when the store fails', async () => {
    let t = 0
    let listing: { name: string; versions: number[] }[] | Error = [{ name: 'a', versions: [1] }]
    let calls = 0
    const known = new KnownModels(
      async () => {
        calls++
        if (listing instanceof Error) throw listing
        return listing
      },
      { ttlMs: 1000, now: () => t },
    )
    await known.ready()
    expect(known.version('a', 1)).toBe('1')
    expect(known.ready()).toBeUndefined()
    expect(calls).toBe(1)
    listing = [{ name: 'b', versions: [2] }]
    t = 1500
    expect(known.ready()).toBeUndefined() // stale: served from the old set while refreshing
    expect(known.model('b')).toBe('other')
    await known.refresh()
    expect(known.model('b')).toBe('b')
    expect(known.model('a')).toBe('other')
    listing = new Error('store down')
    t = 3000
    await known.refresh()
    expect(known.version('b', 2)).toBe('2')
  })
})
