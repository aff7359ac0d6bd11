import { describe, expect, it } from 'vitest'
import { lfu, lru, planEviction, sizeAware } from './policy.js'
import type { BlobRecord, Snapshot, VersionRecord } from './records.js'

const blob = (size: number, ...refs: string[]): BlobRecord => ({ size, lastUsed: 0, uses: 0, refs })
const version = (key: string, digests: string[], o: Partial<VersionRecord> = {}): VersionRecord => {
  const [name = '', v = '0'] = key.split('@')
  return { name, version: Number(v), digests, lastUsed: 0, uses: 0, pinned: false, superseded: false, ...o }
}
const snap = (blobs: Record<string, BlobRecord>, versions: VersionRecord[]): Snapshot => ({
  blobs: new Map(Object.entries(blobs)),
  versions: new Map(versions.map((v) => [`${v.name}@${v.version}`, v])),
})

describe('planEviction', () => {
  it('evicts nothing when the need fits', () => {
    const s = snap({ a: blob(10, 'x@1') }, [version('x@1', ['a'])])
    expect(planEviction(s, 5, 20, new Set())).toEqual({ freed: [], evicted: [] })
  })

  it('drops orphan blobs before any version', () => {
    const s = snap({ a: blob(10, 'x@1'), o: blob(10, 'gone@1') }, [version('x@1', ['a'])])
    expect(planEviction(s, 10, 20, new Set())?.freed.map(([d]) => d)).toEqual(['o'])
  })

  it('keeps a chosen version whose blobs are all shared with a survivor', () => {
    // y@1 is least recent but shares its only blob with z@1, so evicting it frees nothing: x@1 goes.
    const s = snap({ w: blob(100, 'y@1', 'z@1'), b: blob(50, 'x@1') }, [
      version('y@1', ['w'], { lastUsed: 1 }),
      version('x@1', ['b'], { lastUsed: 2 }),
      version('z@1', ['w'], { lastUsed: 3 }),
    ])
    expect(planEviction(s, 50, 150, new Set())).toEqual({
      freed: [['b', s.blobs.get('b')]],
      evicted: ['x@1'],
    })
  })

  it('returns null when the kept versions leave no room', () => {
    const s = snap({ a: blob(10, 'x@1') }, [version('x@1', ['a'])])
    expect(planEviction(s, 15, 20, new Set(['x@1']))).toBeNull()
  })

  it('takes superseded versions first, then the policy order', () => {
    const s = snap({ a: blob(10, 'x@1'), b: blob(30, 'y@1'), c: blob(10, 'z@1') }, [
      version('x@1', ['a'], { lastUsed: 1, uses: 9 }),
      version('y@1', ['b'], { lastUsed: 2, uses: 1 }),
      version('z@1', ['c'], { lastUsed: 3, uses: 5, superseded: true }),
    ])
    const first = (p: Parameters<typeof planEviction>[4]) => planEviction(s, 10, 50, new Set(), p)?.evicted
    expect(first(lru)).toEqual(['z@1'])
    const noSuper = snap(
      Object.fromEntries(s.blobs),
      [...s.versions.values()].map((v) => ({ ...v, superseded: false })),
    )
    const order = (p: Parameters<typeof planEviction>[4]) =>
      planEviction(noSuper, 10, 50, new Set(), p)?.evicted
    expect(order(lru)).toEqual(['x@1'])
    expect(order(lfu)).toEqual(['y@1'])
    expect(order(sizeAware)).toEqual(['y@1'])
  })
})
