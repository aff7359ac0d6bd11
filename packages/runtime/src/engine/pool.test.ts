// The session pool's idle timer (fake clock): one timer however many runs, a session released only once
// unused for idleMs (a timer that fires early sets the next), none after stop; and what the budget evicts.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { LiveModel } from './live-model.js'
import { SessionPool, toRelease } from './pool.js'

/** The part of a LiveModel the pool reads, with a session until released. */
function model(key: string) {
  const m = {
    key,
    session: {} as object | null,
    bytes: 1,
    held: 1,
    busy: false,
    lastUsed: Date.now(),
    rate: { perMinute: () => 0 },
    release: vi.fn(async () => {
      m.session = null
    }),
  }
  return m
}
const asModels = (ms: ReturnType<typeof model>[]) => () => ms as unknown as LiveModel[]

describe('session pool idle timer', () => {
  beforeEach(() => {
    vi.useFakeTimers()
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('keeps one timer across runs and releases a session only once idle for idleMs', () => {
    const m = model('a')
    const pool = new SessionPool({ idleMs: 1000 }, asModels([m]))
    pool.arm()
    for (let i = 0; i < 100; i++) {
      m.lastUsed = Date.now()
      pool.arm() // what every run does
    }
    expect(vi.getTimerCount()).toBe(1)
    vi.advanceTimersByTime(600)
    m.lastUsed = Date.now()
    pool.arm()
    // The first timer fires at 1000 ms: used at 600, the session stays, and the next timer is set.
    vi.advanceTimersByTime(500)
    expect(m.release).not.toHaveBeenCalled()
    expect(vi.getTimerCount()).toBe(1)
    vi.advanceTimersByTime(600)
    expect(m.release).toHaveBeenCalledTimes(1)
    expect(vi.getTimerCount()).toBe(0)
  })

  it('never releases a busy session, and sets no timer once stopped', () => {
    const m = model('a')
    m.busy = true
    const pool = new SessionPool({ idleMs: 100 }, asModels([m]))
    pool.arm()
    vi.advanceTimersByTime(1000)
    expect(m.release).not.toHaveBeenCalled()
    pool.stop()
    pool.arm()
    expect(vi.getTimerCount()).toBe(0)
  })
})

describe('toRelease', () => {
  it('frees room from idle sessions, lowest call rate first, never a busy one', () => {
    const e = (key: string, rate: number, busy = 0) => ({ key, bytes: 10, rate, lastUsed: 0, busy })
    const entries = [e('hot', 50), e('busy', 0, 1), e('cold', 1), e('warm', 5)]
    expect(toRelease(entries, { maxCount: 3, maxBytes: 1000 }, { count: 1, bytes: 10 })).toEqual([
      'cold',
      'warm',
    ])
    expect(toRelease(entries, { maxCount: 10, maxBytes: 1000 })).toEqual([])
  })
})
