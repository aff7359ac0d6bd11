import { describe, expect, it } from 'vitest'
import { percentile, Recent } from './stats.js'

describe('stats', () => {
  it('computes nearest-rank percentiles', () => {
    const v = [5, 1, 4, 2, 3, 10, 9, 8, 7, 6]
    expect(percentile(v, 50)).toBe(5)
    expect(percentile(v, 95)).toBe(10)
    expect(percentile([], 50)).toBeNaN()
  })
  it('keeps the most recent items', () => {
    const r = new Recent<number>(3)
    for (let i = 0; i < 5; i++) r.push(i)
    expect(r.items).toEqual([2, 3, 4])
  })
})
