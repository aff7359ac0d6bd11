/** The `ferry_client_*` series the collector folds client events into, registered on a MetricsRegistry. */
import type { Counter, Histogram, MetricsRegistry } from '../metrics/registry.js'

/** Compute time of one inference run, seconds: 0.1 ms to 10 s. */
export const COMPUTE_BUCKETS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10,
] as const
/** Time a request waited in the runtime's queue, seconds: 0.1 ms to 10 s. */
export const QUEUE_BUCKETS = [
  0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1, 10,
] as const
/** Time to load a model (download/read + session creation), seconds: 10 ms to 2 min. */
export const LOAD_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120] as const
/** Items per executed batch. */
export const BATCH_SIZE_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 1024] as const

export interface ClientSeries {
  inferences: Counter
  inferenceItems: Counter
  computeSeconds: Histogram
  queueSeconds: Histogram
  batchSize: Histogram
  loads: Counter
  loadSeconds: Histogram
  downloadedBytes: Counter
  fallbacks: Counter
  cacheEvents: Counter
  cacheBytes: Counter
  errors: Counter
  eventsDropped: Counter
  events: Counter
  batches: Counter
  unknownLabels: Counter
}

export interface SeriesOptions {
  /** Most label sets per series (a second guard behind label bounding). Default 5,000. */
  maxSeries?: number
}

/**
 * Registers every collector series on `registry` (idempotent: the registry returns existing metrics by
 * name), so `/metrics` renders them next to the server's own.
 */
export function registerClientSeries(registry: MetricsRegistry, options: SeriesOptions = {}): ClientSeries {
  const maxSeries = options.maxSeries ?? 5000
  const mv = ['model', 'version'] as const
  return {
    inferences: registry.counter({
      name: 'ferry_client_inferences_total',
      help: 'Inference runs reported by clients, by model, version, backend, placement (device or edge) and outcome (ok="true"/"false").',
      labelNames: [...mv, 'backend', 'placement', 'ok'],
      maxSeries,
    }),
    inferenceItems: registry.counter({
      name: 'ferry_client_inference_items_total',
      help: 'Items (batch entries) processed by reported inference runs.',
      labelNames: [...mv, 'backend', 'placement'],
      maxSeries,
    }),
    computeSeconds: registry.histogram({
      name: 'ferry_client_inference_compute_seconds',
      help: 'Compute time of one inference run on the client (placement="device") or on the Ferry Edge server it called (placement="edge"), in seconds.',
      labelNames: [...mv, 'backend', 'placement'],
      buckets: COMPUTE_BUCKETS,
      maxSeries,
    }),
    queueSeconds: registry.histogram({
      name: 'ferry_client_inference_queue_seconds',
      help: "Time an inference request waited in the client runtime's queue (or the edge server's) before running, in seconds.",
      labelNames: [...mv, 'backend', 'placement'],
      buckets: QUEUE_BUCKETS,
      maxSeries,
    }),
    batchSize: registry.histogram({
      name: 'ferry_client_inference_batch_size',
      help: 'Items per executed inference batch (dynamic batching), in items.',
      labelNames: [...mv],
      buckets: BATCH_SIZE_BUCKETS,
      maxSeries,
    }),
    loads: registry.counter({
      name: 'ferry_client_loads_total',
      help: 'Model loads reported by clients, by model, version, backend and where the bytes came from.',
      labelNames: [...mv, 'backend', 'source'],
      maxSeries,
    }),
    loadSeconds: registry.histogram({
      name: 'ferry_client_load_seconds',
      help: 'Time to load a model on the client (fetch or cache read plus session creation), in seconds.',
      labelNames: [...mv, 'backend', 'source'],
      buckets: LOAD_BUCKETS,
      maxSeries,
    }),
    downloadedBytes: registry.counter({
      name: 'ferry_client_downloaded_bytes_total',
      help: 'Model bytes loaded by clients, by source (network = downloaded from the registry, cache = IndexedDB, memory).',
      labelNames: [...mv, 'source'],
      maxSeries,
    }),
    fallbacks: registry.counter({
      name: 'ferry_client_fallbacks_total',
      help: 'Backend fallbacks and placement changes reported by clients, by model, from/to backend, the placement moved to and closed reason.',
      labelNames: ['model', 'from', 'to', 'placement', 'reason'],
      maxSeries,
    }),
    cacheEvents: registry.counter({
      name: 'ferry_client_cache_events_total',
      help: 'Client model-cache events: hit, miss, evict, store, corrupt, quota.',
      labelNames: [...mv, 'action'],
      maxSeries,
    }),
    cacheBytes: registry.counter({
      name: 'ferry_client_cache_bytes_total',
      help: 'Bytes involved in client model-cache events (e.g. evicted or stored bytes), by action.',
      labelNames: ['model', 'action'],
      maxSeries,
    }),
    errors: registry.counter({
      name: 'ferry_client_errors_total',
      help: 'Errors reported by clients, by model and Ferry error code.',
      labelNames: ['model', 'code'],
      maxSeries,
    }),
    eventsDropped: registry.counter({
      name: 'ferry_client_events_dropped_total',
      help: 'Events clients dropped before sending (offline queue full), as reported by them.',
      labelNames: ['env'],
      maxSeries,
    }),
    events: registry.counter({
      name: 'ferry_client_events_total',
      help: 'Client events folded by this collector, by event type.',
      labelNames: ['type', 'env'],
      maxSeries,
    }),
    batches: registry.counter({
      name: 'ferry_telemetry_batches_total',
      help: 'Telemetry batches received by this collector, by result (accepted, duplicate, invalid, too_large, rate_limited).',
      labelNames: ['result'],
      maxSeries,
    }),
    unknownLabels: registry.counter({
      name: 'ferry_telemetry_unknown_labels_total',
      help: 'Label values the collector replaced with "other" (model/version unknown to the registry, reason or code outside the closed set).',
      labelNames: ['label'],
      maxSeries,
    }),
  }
}
