/** Bounded in-memory structures that keep the collector safe: a per-key rate limiter and a seen-batch set. */

export interface RateOptions {
  /** Sustained requests per second. */
  rate: number
  /** Requests allowed in a burst. */
  burst: number
}

/**
 * Token buckets per key (client id, IP). At most `maxKeys` buckets are held; the least recently used is
 * forgotten first, so a flood of new keys costs bounded memory.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>()

  constructor(
    private readonly options: RateOptions,
    private readonly maxKeys = 50_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes one token for `key`; returns 0 when allowed, else the seconds until a token is available. */
  take(key: string): number {
    const { rate, burst } = this.options
    const t = this.now()
    let b = this.buckets.get(key)
    if (b) {
      this.buckets.delete(key)
      b.tokens = Math.min(burst, b.tokens + ((t - b.at) / 1000) * rate)
      b.at = t
    } else {
      b = { tokens: burst, at: t }
      if (this.buckets.size >= this.maxKeys) {
        const oldest = this.buckets.keys().next().value
        if (oldest !== undefined) this.buckets.delete(oldest)
      }
    }
    this.buckets.set(key, b)
    if (b.tokens >= 1) {
      b.tokens -= 1
      return 0
    }
    return (1 - b.tokens) / rate
  }

  /** Number of keys tracked. */
  get size(): number {
    return this.buckets.size
  }
}

/**
 * Remembers keys for `ttlMs`, at most `maxEntries` of them (oldest forgotten first): how the collector
 * drops a batch it has already folded when a client retries it.
 */
export class SeenSet {
  private readonly seen = new Map<string, number>()

  constructor(
    private readonly maxEntries = 100_000,
    private readonly ttlMs = 3_600_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** True when `key` was added within the TTL. */
  has(key: string): boolean {
    const exp = this.seen.get(key)
    return exp !== undefined && exp > this.now()
  }

  /** Records `key`, evicting expired entries and, past the bound, the oldest ones. */
  add(key: string): void {
    const t = this.now()
    this.seen.delete(key)
    this.seen.set(key, t + this.ttlMs)
    // Entries share one TTL, so insertion order is expiry order: expired ones sit at the front.
    for (const [k, exp] of this.seen) {
      if (exp > t && this.seen.size <= this.maxEntries) break
      this.seen.delete(k)
    }
  }

  get size(): number {
    return this.seen.size
  }
}
