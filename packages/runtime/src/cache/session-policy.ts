/**
 * The sessions tier's policy, pure: which live sessions (in GPU or WASM memory) to release to stay
 * within a budget of sessions and bytes. Idle sessions go by recency and frequency of use combined; a
 * session with queued requests is never released. The runtime re-creates a released session from the
 * bytes tier on its next run.
 */

export interface LiveSession {
  key: string
  /** Estimated memory the session holds. */
  bytes: number
  /** Time of its last run (ms, same clock as `now`). */
  lastUsed: number
  /** Runs so far. */
  uses: number
  /** Requests waiting or running; > 0 means never release. */
  queued: number
}

export interface SessionBudget {
  maxSessions: number
  maxBytes: number
}

export interface SessionPolicyOptions {
  /** Current time (default `Date.now()`). */
  now?: number
  /** Room to make for a session about to be created. */
  reserve?: { sessions: number; bytes: number }
  /** Idle time after which a session's use count weighs half as much (default 60 s). */
  halfLifeMs?: number
}

/**
 * A session's worth of keeping: its use count (plus one) decayed by idle time, so a model used often
 * outlives one used once, and any model left idle long enough goes.
 */
export function sessionScore(s: LiveSession, now: number, halfLifeMs = 60_000): number {
  return (1 + s.uses) * 2 ** (-Math.max(0, now - s.lastUsed) / halfLifeMs)
}

/** Keys of the sessions to release, lowest score first; never one with queued requests. */
export function sessionsToRelease(
  sessions: readonly LiveSession[],
  budget: SessionBudget,
  options: SessionPolicyOptions = {},
): string[] {
  const now = options.now ?? Date.now()
  let count = sessions.length + (options.reserve?.sessions ?? 0)
  let bytes = sessions.reduce((n, s) => n + s.bytes, 0) + (options.reserve?.bytes ?? 0)
  const idle = sessions
    .filter((s) => s.queued <= 0)
    .map((s) => ({ s, score: sessionScore(s, now, options.halfLifeMs) }))
    .sort((a, b) => a.score - b.score || a.s.lastUsed - b.s.lastUsed)
  const out: string[] = []
  for (const { s } of idle) {
    if (count <= budget.maxSessions && bytes <= budget.maxBytes) break
    out.push(s.key)
    count -= 1
    bytes -= s.bytes
  }
  return out
}
