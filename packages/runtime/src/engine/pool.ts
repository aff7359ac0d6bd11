/**
 * The live-session pool: sessions (in GPU or WASM memory) under a count and byte budget. When a model
 * needs room, the sessions with the lowest recent call rate go first; one with queued or running
 * requests never goes; a session idle past `idleMs` is released. A released session keeps its bytes in
 * the cache and is re-created on its next run.
 */
import type { LiveModel } from './live-model.js'
import type { SessionPoolOptions } from './types.js'

/** What the policy needs to know of a live session. */
export interface PoolEntry {
  key: string
  /** Memory it holds (measured by its backend where it can be). */
  bytes: number
  /** Recent calls per minute. */
  rate: number
  lastUsed: number
  /** Requests waiting or running: > 0 means never release. */
  busy: number
}

export const POOL_DEFAULTS: Required<SessionPoolOptions> = {
  maxCount: 16,
  maxBytes: 2 * 1024 ** 3,
  idleMs: 10 * 60_000,
}

/** Which idle session goes first (lowest first): by recent call rate, then least recently used. */
export const byCallRate = (a: PoolEntry, b: PoolEntry): number => a.rate - b.rate || a.lastUsed - b.lastUsed

/** Keys to release so the rest (plus `reserve`) fit the budget: idle sessions, in `rank` order. */
export function toRelease(
  entries: readonly PoolEntry[],
  budget: { maxCount: number; maxBytes: number },
  reserve = { count: 0, bytes: 0 },
  rank = byCallRate,
): string[] {
  let count = entries.length + reserve.count
  let bytes = entries.reduce((n, e) => n + e.bytes, 0) + reserve.bytes
  const out: string[] = []
  const idle = entries.filter((e) => e.busy <= 0).sort(rank)
  for (const e of idle) {
    if (count <= budget.maxCount && bytes <= budget.maxBytes) break
    out.push(e.key)
    count -= 1
    bytes -= e.bytes
  }
  return out
}

export class SessionPool {
  readonly #opts: Required<SessionPoolOptions>
  #timer: ReturnType<typeof setTimeout> | undefined

  #models: () => Iterable<LiveModel>

  #rank: typeof byCallRate

  constructor(
    options: SessionPoolOptions | undefined,
    models: () => Iterable<LiveModel>,
    rank: typeof byCallRate = byCallRate,
  ) {
    this.#rank = rank
    this.#models = models
    this.#opts = { ...POOL_DEFAULTS, ...options }
  }

  /**
   * Makes room for `keep` (whose session exists, or is about to: then `reserve` its bytes): releases
   * other sessions, lowest call rate first, never a busy one.
   */
  fit(keep: LiveModel, reserve = false): void {
    const now = Date.now()
    const live = [...this.#models()].filter((m) => m.session !== null && m !== keep)
    const entries = live.map((m) => ({
      key: m.key,
      bytes: m.held,
      rate: m.rate.perMinute(now),
      lastUsed: m.lastUsed,
      busy: m.busy ? 1 : 0,
    }))
    const self = { count: 1, bytes: reserve || keep.session === null ? keep.bytes : keep.held }
    const go = new Set(toRelease(entries, this.#opts, self, this.#rank))
    for (const m of live) if (go.has(m.key)) void m.release()
    this.arm()
  }

  /**
   * Sets the idle timer for the earliest session that could go idle, unless one is set: runs and loads
   * only move that time later, and a timer that fires early just sets the next (replacing the timer on
   * every run cost ~8 µs per call in a browser worker).
   */
  arm(): void {
    if (this.#timer || this.#opts.idleMs <= 0) return
    let next = Number.POSITIVE_INFINITY
    for (const m of this.#models()) if (m.session) next = Math.min(next, m.lastUsed + this.#opts.idleMs)
    if (next === Number.POSITIVE_INFINITY) return
    this.#timer = setTimeout(() => this.#sweep(), Math.max(50, next - Date.now()))
    // A Node or Deno host must not stay alive for this timer alone.
    ;(this.#timer as { unref?: () => void }).unref?.()
  }

  /** Releases every session idle past `idleMs` with nothing queued. */
  #sweep(): void {
    this.#timer = undefined
    const cutoff = Date.now() - this.#opts.idleMs
    for (const m of this.#models()) if (m.session && !m.busy && m.lastUsed <= cutoff) void m.release()
    this.arm()
  }

  /** Stops the idle timer for good (the engine closed): `arm` sees it set and sets no other. */
  stop(): void {
    clearTimeout(this.#timer)
  }
}
