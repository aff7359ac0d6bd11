/** Folds validated telemetry batches into the `ferry_client_*` series, with every label value bounded. */
import type { TelemetryBatch, TelemetryEvent } from '@ferry/protocol'
import {
  backendLabel,
  cacheActionLabel,
  envLabel,
  errorCodeLabel,
  fallbackReasonLabel,
  type KnownModels,
  OTHER,
  placementLabel,
  sourceLabel,
} from './labels.js'
import type { ClientSeries } from './series.js'

/** Label value for an event that names no model (an error outside any model). */
const NONE = 'none'

/** Most dropped events one batch may report (a lying client cannot inflate the counter further). */
export const MAX_DROPPED_PER_BATCH = 100_000

/** Smallest sample rate honoured when scaling counts: caps what one reported inference can weigh (100). */
export const MIN_SAMPLE_RATE = 0.01

/** Weight of one sampled inference event: 1 / sampleRate, clamped to [1, 1 / MIN_SAMPLE_RATE]. */
export function sampleWeight(sampleRate: number | undefined): number {
  if (sampleRate === undefined || !(sampleRate > 0) || sampleRate >= 1) return 1
  return 1 / Math.max(sampleRate, MIN_SAMPLE_RATE)
}

/**
 * Adds one batch's events to `series`. Synchronous, so a batch is folded whole or not at all.
 * Inference counters are scaled by the batch's sample weight; histograms hold the sampled observations
 * (their quantiles are unbiased under uniform sampling).
 */
export function foldBatch(series: ClientSeries, known: KnownModels, batch: TelemetryBatch): void {
  const env = envLabel(batch.client.env)
  const weight = sampleWeight(batch.sampleRate)
  const byType: Record<string, number> = {}
  for (const e of batch.events) {
    byType[e.type] = (byType[e.type] ?? 0) + 1
    foldEvent(series, known, e, weight)
  }
  for (const type in byType) series.events.inc({ type, env }, byType[type])
  if (batch.dropped) series.eventsDropped.inc({ env }, Math.min(batch.dropped, MAX_DROPPED_PER_BATCH))
}

function foldEvent(s: ClientSeries, known: KnownModels, e: TelemetryEvent, weight: number): void {
  const model = e.model === undefined ? NONE : known.model(e.model)
  const version = e.model === undefined ? NONE : known.version(e.model, e.version)
  if (model === OTHER) s.unknownLabels.inc({ label: 'model' })
  else if (version === OTHER && e.version !== undefined) s.unknownLabels.inc({ label: 'version' })
  switch (e.type) {
    case 'inference': {
      const backend = backendLabel(e.backend)
      const placement = placementLabel(e.placement)
      s.inferences.inc({ model, version, backend, placement, ok: e.ok ? 'true' : 'false' }, weight)
      s.inferenceItems.inc({ model, version, backend, placement }, e.batch * weight)
      const l = { model, version, backend, placement }
      s.computeSeconds.observe(l, e.computeMs / 1000)
      s.queueSeconds.observe(l, e.queueMs / 1000)
      s.batchSize.observe({ model, version }, e.batch)
      return
    }
    case 'load': {
      const l = { model, version, backend: backendLabel(e.backend), source: sourceLabel(e.source) }
      s.loads.inc(l)
      s.loadSeconds.observe(l, e.ms / 1000)
      s.downloadedBytes.inc({ model, version, source: l.source }, e.bytes)
      return
    }
    case 'fallback': {
      const reason = fallbackReasonLabel(e.reason)
      if (reason === OTHER) s.unknownLabels.inc({ label: 'reason' })
      s.fallbacks.inc({
        model,
        from: backendLabel(e.from),
        to: backendLabel(e.to),
        placement: placementLabel(e.placement),
        reason,
      })
      return
    }
    case 'cache': {
      const action = cacheActionLabel(e.action)
      s.cacheEvents.inc({ model, version, action })
      if (e.bytes) s.cacheBytes.inc({ model, action }, e.bytes)
      return
    }
    case 'error': {
      const code = errorCodeLabel(e.code)
      if (code === OTHER) s.unknownLabels.inc({ label: 'code' })
      s.errors.inc({ model, code })
      return
    }
  }
}
