/** The sessions tier's budget, applied: maps live models onto the cache's pure session policy. */
import { sessionsToRelease } from '../cache/session-policy.js'

export interface BudgetCandidate {
  key: string
  bytes: number
  lastUsed: number
  uses: number
  session: unknown
  queue: { busy: boolean; length: number }
}

/**
 * Picks live sessions to release so the rest fit `budget` (count and estimated bytes), by the policy
 * in cache/session-policy (recency and frequency); never `keep`, never one with requests queued or running.
 */
export function pickSessionsToRelease<T extends BudgetCandidate>(
  all: T[],
  keep: T,
  budget: { maxCount?: number; maxBytes?: number },
): T[] {
  const live = all.filter((m) => m.session !== null)
  const keys = sessionsToRelease(
    live.map((m) => ({
      key: m.key,
      bytes: m.bytes,
      lastUsed: m.lastUsed,
      uses: m.uses,
      queued: m === keep ? 1 : m.queue.busy ? m.queue.length + 1 : 0,
    })),
    {
      maxSessions: budget.maxCount ?? Number.POSITIVE_INFINITY,
      maxBytes: budget.maxBytes ?? Number.POSITIVE_INFINITY,
    },
  )
  const chosen = new Set(keys)
  return live.filter((m) => chosen.has(m.key))
}
