/**
 * The edge's Prometheus series (Triton's set as the model, Prometheus's naming conventions) and the
 * statistics extension's per-version counters. Label values are bounded: only names of models the server
 * loaded become labels; anything else counts under `model="other"`.
 */
import {
  type Counter,
  DURATION_BUCKETS,
  type Gauge,
  type Histogram,
  MetricsRegistry,
} from '@ferry/registry-server'
import type { EngineEvent, EngineStat, LoadedModel } from '../engine.js'

/** How a request ended, as the `outcome` label says it. */
export type Outcome = 'success' | 'client_error' | 'rejected' | 'canceled' | 'timeout' | 'error'

interface Duration {
  count: number
  ns: number
}

interface VersionStats {
  lastInference: number
  inferences: number
  executions: number
  success: Duration
  fail: Duration
  queue: Duration
  computeInfer: Duration
  batches: Map<number, { count: number; ns: number }>
}

const zero = (): Duration => ({ count: 0, ns: 0 })
const BATCH_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256] as const

/** What the server knows right now, rendered as gauges on each scrape. */
export interface LiveState {
  loaded: LoadedModel[]
  engine: EngineStat[]
}

export class EdgeMetrics {
  readonly registry = new MetricsRegistry()
  private readonly known = new Set<string>()
  private readonly stats = new Map<string, VersionStats>()
  readonly requests: Counter
  readonly inferences: Counter
  readonly executions: Counter
  readonly inflight: Gauge
  readonly requestDuration: Histogram
  readonly queueDuration: Histogram
  readonly computeDuration: Histogram
  readonly batchSize: Histogram
  readonly loads: Counter
  readonly unloads: Counter
  readonly loadDuration: Histogram
  readonly aliasMoves: Counter

  constructor(private readonly info: { version: string; engine: string }) {
    const r = this.registry
    const mv = ['model', 'version']
    this.requests = r.counter({
      name: 'ferry_edge_inference_requests_total',
      help: 'Inference requests answered, by model, version and outcome (success, client_error, rejected: queue full, canceled, timeout, error).',
      labelNames: [...mv, 'outcome'],
    })
    this.inferences = r.counter({
      name: 'ferry_edge_inferences_total',
      help: 'Inferences performed: a request of n rows (batch dimension) counts n.',
      labelNames: mv,
    })
    this.executions = r.counter({
      name: 'ferry_edge_executions_total',
      help: 'Model executions (runs); with dynamic batching one run serves several requests.',
      labelNames: mv,
    })
    this.inflight = r.gauge({
      name: 'ferry_edge_requests_in_flight',
      help: 'Inference requests received and not yet answered (queued or running).',
      labelNames: mv,
    })
    this.requestDuration = r.histogram({
      name: 'ferry_edge_request_duration_seconds',
      help: 'Inference request time in the server, from a decoded request to its encoded answer.',
      labelNames: mv,
      buckets: DURATION_BUCKETS,
    })
    this.queueDuration = r.histogram({
      name: 'ferry_edge_queue_duration_seconds',
      help: 'Time the first request of each run waited in the model queue before the run started.',
      labelNames: mv,
      buckets: DURATION_BUCKETS,
    })
    this.computeDuration = r.histogram({
      name: 'ferry_edge_compute_duration_seconds',
      help: 'Time each run spent executing the model.',
      labelNames: mv,
      buckets: DURATION_BUCKETS,
    })
    this.batchSize = r.histogram({
      name: 'ferry_edge_batch_requests',
      help: 'Requests merged into each run by the dynamic batcher.',
      labelNames: mv,
      buckets: BATCH_BUCKETS,
    })
    this.loads = r.counter({
      name: 'ferry_edge_model_loads_total',
      help: 'Model version loads, by outcome (success, failure); a failed reload keeps the old version serving.',
      labelNames: ['model', 'outcome'],
    })
    this.unloads = r.counter({
      name: 'ferry_edge_model_unloads_total',
      help: 'Model versions unloaded (replaced after an alias move, or by request).',
      labelNames: ['model'],
    })
    this.loadDuration = r.histogram({
      name: 'ferry_edge_model_load_duration_seconds',
      help: 'Time to load a model version (resolve, download or read the cache, verify, create the session).',
      labelNames: ['model'],
      buckets: DURATION_BUCKETS,
    })
    this.aliasMoves = r.counter({
      name: 'ferry_edge_alias_switches_total',
      help: 'Times a followed alias moved and the server switched to the new version.',
      labelNames: ['model'],
    })
  }

  /** Lets `name` be a label value from now on (models the server really loaded). */
  know(name: string): void {
    if (this.known.size < 500) this.known.add(name)
  }

  /** The label value for a model name: itself when known, else `other`. */
  label(name: string): string {
    return this.known.has(name) ? name : 'other'
  }

  private versionStats(model: string, version: number): VersionStats {
    const key = `${model}@${version}`
    let s = this.stats.get(key)
    if (!s) {
      s = {
        lastInference: 0,
        inferences: 0,
        executions: 0,
        success: zero(),
        fail: zero(),
        queue: zero(),
        computeInfer: zero(),
        batches: new Map(),
      }
      if (this.stats.size < 1000) this.stats.set(key, s)
    }
    return s
  }

  /** Records one answered request. */
  request(model: string, version: number | null, outcome: Outcome, seconds: number, rows: number): void {
    const labels = { model: this.label(model), version: version === null ? '' : String(version) }
    this.requests.inc({ ...labels, outcome })
    if (version === null || labels.model === 'other') return
    this.requestDuration.observe(labels, seconds)
    const s = this.versionStats(model, version)
    const d = outcome === 'success' ? s.success : s.fail
    d.count++
    d.ns += Math.round(seconds * 1e9)
    if (outcome === 'success') {
      this.inferences.inc(labels, rows)
      s.inferences += rows
      s.lastInference = Date.now()
    }
  }

  /** One request's wait in its model's queue (each request of a batch has its own). */
  queued(name: string, version: number, queueMs: number): void {
    if (!this.known.has(name)) return
    this.queueDuration.observe({ model: name, version: String(version) }, queueMs / 1000)
    const s = this.versionStats(name, version)
    s.queue.count++
    s.queue.ns += Math.round(queueMs * 1e6)
  }

  /** Folds an engine event (runs: compute time, batch size) into the series. */
  engineEvent(e: EngineEvent): void {
    if (e.type !== 'inference' || !e.ok || !this.known.has(e.model)) return
    const labels = { model: e.model, version: String(e.version) }
    this.executions.inc(labels)
    this.computeDuration.observe(labels, e.computeMs / 1000)
    this.batchSize.observe(labels, e.batch)
    const s = this.versionStats(e.model, e.version)
    s.executions++
    s.computeInfer.count++
    s.computeInfer.ns += Math.round(e.computeMs * 1e6)
    const b = s.batches.get(e.batch) ?? { count: 0, ns: 0 }
    b.count++
    b.ns += Math.round(e.computeMs * 1e6)
    if (s.batches.size < 64 || s.batches.has(e.batch)) s.batches.set(e.batch, b)
  }

  /** The statistics extension's `model_stats` for the versions matching `model` and `version`. */
  modelStats(model?: string, version?: number): unknown[] {
    const out: unknown[] = []
    for (const [key, s] of this.stats) {
      const at = key.lastIndexOf('@')
      const name = key.slice(0, at)
      const v = Number(key.slice(at + 1))
      if ((model !== undefined && name !== model) || (version !== undefined && v !== version)) continue
      out.push({
        name,
        version: String(v),
        last_inference: s.lastInference,
        inference_count: s.inferences,
        execution_count: s.executions,
        inference_stats: {
          success: s.success,
          fail: s.fail,
          queue: s.queue,
          compute_input: zero(),
          compute_infer: s.computeInfer,
          compute_output: zero(),
          cache_hit: zero(),
          cache_miss: zero(),
        },
        response_stats: {},
        batch_stats: [...s.batches].map(([size, b]) => ({
          batch_size: size,
          compute_input: { count: b.count, ns: 0 },
          compute_infer: b,
          compute_output: { count: b.count, ns: 0 },
        })),
        memory_usage: [],
      })
    }
    return out
  }

  /** Starts the statistics of a freshly loaded version (so it lists with zeros before its first request). */
  loaded(model: string, version: number): void {
    this.know(model)
    this.versionStats(model, version)
  }

  /** The Prometheus text: the counters and histograms, then gauges of the live state. */
  render(state: LiveState): string {
    const now = new MetricsRegistry()
    const info = now.gauge({
      name: 'ferry_edge_build_info',
      help: 'Ferry Edge build and engine (always 1).',
      labelNames: ['version', 'engine'],
    })
    info.set({ version: this.info.version, engine: this.info.engine }, 1)
    const modelInfo = now.gauge({
      name: 'ferry_edge_model_info',
      help: 'A loaded model version and the backend it runs on (always 1).',
      labelNames: ['model', 'version', 'backend'],
    })
    const queue = now.gauge({
      name: 'ferry_edge_queue_length',
      help: 'Requests waiting in the model queue now.',
      labelNames: ['model', 'version'],
    })
    const bytes = now.gauge({
      name: 'ferry_edge_model_bytes',
      help: 'Bytes of a loaded model version (its files).',
      labelNames: ['model', 'version'],
    })
    const live = now.gauge({
      name: 'ferry_edge_model_session_live',
      help: 'Whether a loaded version has its session in memory now (1) or was released under the budget (0).',
      labelNames: ['model', 'version'],
    })
    const count = now.gauge({ name: 'ferry_edge_models_loaded', help: 'Model versions loaded.' })
    const total = now.gauge({ name: 'ferry_edge_models_loaded_bytes', help: 'Bytes of all loaded versions.' })
    const seen = new Set<string>()
    let sum = 0
    for (const m of state.loaded) {
      const key = `${m.name}@${m.version}`
      if (seen.has(key)) continue
      seen.add(key)
      const labels = { model: this.label(m.name), version: String(m.version) }
      modelInfo.set({ ...labels, backend: m.backend }, 1)
      bytes.set(labels, m.bytes)
      sum += m.bytes
      const e = state.engine.find((s) => s.name === m.name && s.version === m.version)
      queue.set(labels, e?.queued ?? 0)
      live.set(labels, e?.live ? 1 : 0)
    }
    count.set(undefined, seen.size)
    total.set(undefined, sum)
    return this.registry.render() + now.render()
  }
}
