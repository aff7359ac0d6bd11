// Percentiles over a window of recent runs, for the latency chart.

/** The p-th percentile (0..100) of values by nearest rank; NaN when empty. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const rank = Math.ceil((p / 100) * sorted.length)
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] ?? Number.NaN
}

/** A bounded list that keeps the most recent `size` items. */
export class Recent<T> {
  readonly items: T[] = []
  constructor(readonly size: number) {}
  push(item: T): void {
    this.items.push(item)
    if (this.items.length > this.size) this.items.splice(0, this.items.length - this.size)
  }
}
