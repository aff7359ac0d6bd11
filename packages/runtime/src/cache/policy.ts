/** Eviction policies of the bytes tier, and the pure planner that applies one to the cache's records. */
import type { BlobRecord, Snapshot } from './records.js'

/** One evictable version as a policy sees it. */
export interface EvictionCandidate {
  key: string
  /** Bytes stored for this version (shared blobs included). */
  bytes: number
  lastUsed: number
  uses: number
}

export type PolicyName = 'lru' | 'lfu' | 'size'

/** Orders candidates: negative when `a` should be evicted before `b`. */
export type EvictionPolicy = (a: EvictionCandidate, b: EvictionCandidate, now: number) => number

/** Least recently used first (the default). */
export const lru: EvictionPolicy = (a, b) => a.lastUsed - b.lastUsed

/** Least frequently used first; ties go to the least recently used. */
export const lfu: EvictionPolicy = (a, b) => a.uses - b.uses || a.lastUsed - b.lastUsed

/** Size-aware: the biggest version first (fewest evictions to make room); ties go to the least recent. */
export const sizeAware: EvictionPolicy = (a, b) => b.bytes - a.bytes || a.lastUsed - b.lastUsed

export const POLICIES: Record<PolicyName, EvictionPolicy> = { lru, lfu, size: sizeAware }

/** Bytes held by the blobs of a snapshot. */
export const usedBytes = (s: Snapshot): number => [...s.blobs.values()].reduce((n, b) => n + b.size, 0)

/** What to evict: the blobs to drop (with their records) and the versions that go with them. */
export interface EvictionPlan {
  freed: Array<[string, BlobRecord]>
  evicted: string[]
}

/**
 * Chooses versions to evict so that `need` more bytes fit under `limit`: orphan blobs first, then
 * superseded versions, then the policy's order; never a version in `keep`. A blob goes only when no
 * surviving version uses it, and a chosen version that would free nothing stays. Returns null when
 * even evicting everything evictable would not make room. Pure.
 */
export function planEviction(
  s: Snapshot,
  need: number,
  limit: number,
  keep: Set<string>,
  policy: EvictionPolicy = lru,
  now = Date.now(),
): EvictionPlan | null {
  const used = usedBytes(s)
  const protectedDigests = new Set<string>()
  for (const k of keep) for (const d of s.versions.get(k)?.digests ?? []) protectedDigests.add(d)
  const chosen = new Set<string>()
  const freeable = () =>
    [...s.blobs].filter(
      ([d, b]) => !protectedDigests.has(d) && b.refs.every((r) => chosen.has(r) || !s.versions.has(r)),
    )
  const candidates = [...s.versions]
    .filter(([k, v]) => !keep.has(k) && v.digests.some((d) => s.blobs.has(d)))
    .map(([key, v]) => ({
      key,
      bytes: v.digests.reduce((n, d) => n + (s.blobs.get(d)?.size ?? 0), 0),
      lastUsed: v.lastUsed,
      uses: v.uses,
      superseded: v.superseded,
    }))
    .sort((a, b) => Number(b.superseded) - Number(a.superseded) || policy(a, b, now))
  let freed = freeable()
  const size = () => freed.reduce((n, [, b]) => n + b.size, 0)
  for (const c of candidates) {
    if (used - size() + need <= limit) break
    chosen.add(c.key)
    freed = freeable()
  }
  if (used - size() + need > limit) return null
  return { freed, evicted: [...chosen].filter((k) => freed.some(([, b]) => b.refs.includes(k))) }
}
