/**
 * A small Prometheus text-exposition registry: counters and histograms with label sets whose
 * number of series is capped per metric (values past the cap fold into `other`).
 * Platform-free, so the registry app runs on Node and Deno alike.
 */

export type Labels = Record<string, string>

interface MetricBase {
  readonly name: string
  readonly help: string
  readonly type: 'counter' | 'gauge' | 'histogram'
  render(): string
}

const escapeLabel = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"')
const escapeHelp = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')

function labelKey(names: readonly string[], labels: Labels): string {
  return names.map((n) => labels[n] ?? '').join('\u0000')
}

function renderLabels(names: readonly string[], values: readonly string[], extra?: [string, string]): string {
  const parts = names.map((n, i) => `${n}="${escapeLabel(values[i] ?? '')}"`)
  if (extra) parts.push(`${extra[0]}="${escapeLabel(extra[1])}"`)
  return parts.length ? `{${parts.join(',')}}` : ''
}

const fmt = (n: number) => (Number.isFinite(n) ? String(n) : n > 0 ? '+Inf' : n < 0 ? '-Inf' : 'NaN')

export interface MetricOptions {
  name: string
  help: string
  labelNames?: readonly string[]
  /** Most distinct label sets kept; past it, every label value is recorded as `other`. Default 1000. */
  maxSeries?: number
}

abstract class Labelled<S> implements MetricBase {
  abstract readonly type: 'counter' | 'gauge' | 'histogram'
  readonly name: string
  readonly help: string
  readonly labelNames: readonly string[]
  readonly maxSeries: number
  protected readonly series = new Map<string, { values: string[]; state: S }>()

  constructor(o: MetricOptions) {
    this.name = o.name
    this.help = o.help
    this.labelNames = o.labelNames ?? []
    this.maxSeries = o.maxSeries ?? 1000
  }

  protected abstract init(): S

  protected get(labels: Labels = {}): S {
    let key = labelKey(this.labelNames, labels)
    let entry = this.series.get(key)
    if (!entry) {
      let values = this.labelNames.map((n) => labels[n] ?? '')
      if (this.series.size >= this.maxSeries) {
        values = this.labelNames.map(() => 'other')
        key = labelKey(this.labelNames, Object.fromEntries(this.labelNames.map((n) => [n, 'other'])))
        entry = this.series.get(key)
      }
      if (!entry) {
        entry = { values, state: this.init() }
        this.series.set(key, entry)
      }
    }
    return entry.state
  }

  /** Number of label sets currently held. */
  get size(): number {
    return this.series.size
  }

  protected header(): string {
    return `# HELP ${this.name} ${escapeHelp(this.help)}\n# TYPE ${this.name} ${this.type}\n`
  }

  abstract render(): string
}

/** A monotonically increasing counter. */
export class Counter extends Labelled<{ v: number }> {
  readonly type = 'counter' as const
  protected init() {
    return { v: 0 }
  }
  inc(labels?: Labels, by = 1): void {
    if (!(by >= 0)) return
    this.get(labels).v += by
  }
  value(labels?: Labels): number {
    return this.series.get(labelKey(this.labelNames, labels ?? {}))?.state.v ?? 0
  }
  render(): string {
    let out = this.header()
    for (const { values, state } of this.series.values()) {
      out += `${this.name}${renderLabels(this.labelNames, values)} ${fmt(state.v)}\n`
    }
    return out
  }
}

/** A value that goes up and down. */
export class Gauge extends Labelled<{ v: number }> {
  readonly type = 'gauge' as const
  protected init() {
    return { v: 0 }
  }
  set(labels: Labels | undefined, v: number): void {
    this.get(labels).v = v
  }
  inc(labels?: Labels, by = 1): void {
    this.get(labels).v += by
  }
  render(): string {
    let out = this.header()
    for (const { values, state } of this.series.values()) {
      out += `${this.name}${renderLabels(this.labelNames, values)} ${fmt(state.v)}\n`
    }
    return out
  }
}

export interface HistogramOptions extends MetricOptions {
  buckets: readonly number[]
}

/** A cumulative histogram with fixed upper bounds (`le`). */
export class Histogram extends Labelled<{ counts: Float64Array; sum: number; count: number }> {
  readonly type = 'histogram' as const
  readonly buckets: readonly number[]
  constructor(o: HistogramOptions) {
    super(o)
    this.buckets = [...o.buckets].sort((a, b) => a - b)
  }
  protected init() {
    return { counts: new Float64Array(this.buckets.length), sum: 0, count: 0 }
  }
  observe(labels: Labels | undefined, value: number): void {
    if (!Number.isFinite(value)) return
    const s = this.get(labels)
    s.sum += value
    s.count += 1
    const b = this.buckets
    for (let i = 0; i < b.length; i++) {
      if (value <= (b[i] as number)) {
        ;(s.counts[i] as number) += 1
        break
      }
    }
  }
  render(): string {
    let out = this.header()
    for (const { values, state } of this.series.values()) {
      let cum = 0
      for (let i = 0; i < this.buckets.length; i++) {
        cum += state.counts[i] as number
        out += `${this.name}_bucket${renderLabels(this.labelNames, values, ['le', fmt(this.buckets[i] as number)])} ${cum}\n`
      }
      out += `${this.name}_bucket${renderLabels(this.labelNames, values, ['le', '+Inf'])} ${state.count}\n`
      out += `${this.name}_sum${renderLabels(this.labelNames, values)} ${fmt(state.sum)}\n`
      out += `${this.name}_count${renderLabels(this.labelNames, values)} ${state.count}\n`
    }
    return out
  }
}

/** Holds metrics and renders them in the Prometheus text format (version 0.0.4). */
export class MetricsRegistry {
  private readonly metrics = new Map<string, MetricBase>()

  private add<M extends MetricBase>(m: M): M {
    const existing = this.metrics.get(m.name)
    if (existing) return existing as M
    this.metrics.set(m.name, m)
    return m
  }
  counter(o: MetricOptions): Counter {
    return this.add(new Counter(o))
  }
  gauge(o: MetricOptions): Gauge {
    return this.add(new Gauge(o))
  }
  histogram(o: HistogramOptions): Histogram {
    return this.add(new Histogram(o))
  }
  render(): string {
    let out = ''
    for (const m of this.metrics.values()) out += m.render()
    return out
  }
}

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8'

/** Duration buckets in seconds, from 0.5 ms to 60 s. */
export const DURATION_BUCKETS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
] as const
