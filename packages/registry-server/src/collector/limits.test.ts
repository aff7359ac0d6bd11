import { describe, expect, it } from 'vitest'
import { RateLimiter, SeenSet } from './limits.js'

describe('RateLimiter', () => {
  it('allows a burst, then refills at the rate and says how long to wait', () => {
    let t = 0
    const rl = new RateLimiter({ rate: 2, burst: 3 }, 10, () => t)
    expect([rl.take('a'), rl.take('a'), rl.take('a')]).toEqual([0, 0, 0])
    expect(rl.take('a')).toBeCloseTo(0.5)
    expect(rl.take('b')).toBe(0)
    t = 500
    expect(rl.take('a')).toBe(0)
    expect(rl.take('a')).toBeGreaterThan(0)
  })

  it('tracks a bounded number of keys', () => {
    const rl = new RateLimiter({ rate: 1, burst: 1 }, 100)
    for (let i = 0; i < 10_000; i++) rl.take(`k${i}`)
    expect(rl.size).toBe(100)
  })
})

describe('SeenSet', () => {
  it('remembers keys for the TTL, at most maxEntries of them', () => {
    let t = 0
    const s = new SeenSet(3, 1000, () => t)
    s.add('a')
    expect(s.has('a')).toBe(true)
    s.add('b')
    s.add('c')
    s.add('d')
    expect(s.size).toBe(3)
    expect(s.has('a')).toBe(false)
    t = 2000
    expect(s.has('d')).toBe(false)
    s.add('e')
    expect(s.size).toBe(1)
  })
})
