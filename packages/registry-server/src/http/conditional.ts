/** ETags, If-None-Match and Range headers. */
import type { ByteRange } from '../store/types.js'

/** True when an If-None-Match header matches `etag` (weak comparison, `*` matches anything). */
export function matchesIfNoneMatch(header: string | null | undefined, etag: string): boolean {
  if (!header) return false
  const bare = (t: string) => t.trim().replace(/^W\//, '')
  return header.split(',').some((t) => t.trim() === '*' || bare(t) === bare(etag))
}

export type RangeResult = { kind: 'none' } | { kind: 'range'; range: ByteRange } | { kind: 'unsatisfiable' }

/**
 * Parses a `Range` header against a size. Only single `bytes=` ranges are honoured; anything else
 * (multiple ranges, other units, bad syntax) is ignored and the whole blob is served, as RFC 9110 allows.
 */
export function parseRange(header: string | null | undefined, size: number): RangeResult {
  if (!header) return { kind: 'none' }
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim())
  if (!m) return { kind: 'none' }
  const [, a = '', b = ''] = m
  if (a === '' && b === '') return { kind: 'none' }
  if (a === '') {
    const suffix = Number(b)
    if (suffix === 0 || size === 0) return { kind: 'unsatisfiable' }
    return { kind: 'range', range: { start: Math.max(0, size - suffix), end: size - 1 } }
  }
  const start = Number(a)
  const end = b === '' ? size - 1 : Math.min(Number(b), size - 1)
  if (b !== '' && Number(b) < start) return { kind: 'none' }
  if (start >= size) return { kind: 'unsatisfiable' }
  return { kind: 'range', range: { start, end } }
}
