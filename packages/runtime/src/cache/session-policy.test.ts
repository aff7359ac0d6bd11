import { describe, expect, it } from 'vitest'
import { type LiveSession, sessionScore, sessionsToRelease } from './session-policy.js'

const now = 1_000_000
const s = (key: string, o: Partial<LiveSession> = {}): LiveSession => ({
  key,
  bytes: 100,
  lastUsed: now,
  uses: 1,
  queued: 0,
  ...o,
})

describe('sessionsToRelease', () => {
  it('releases nothing within budget', () => {
    expect(sessionsToRelease([s('a'), s('b')], { maxSessions: 2, maxBytes: 200 }, { now })).toEqual([])
  })

  it('releases the least recently used first when uses are equal', () => {
    const live = [
      s('a', { lastUsed: now - 5000 }),
      s('b', { lastUsed: now - 100 }),
      s('c', { lastUsed: now - 9000 }),
    ]
    expect(sessionsToRelease(live, { maxSessions: 1, maxBytes: 1e9 }, { now })).toEqual(['c', 'a'])
  })

  it('keeps a frequently used session over a slightly more recent one', () => {
    const live = [
      s('often', { uses: 50, lastUsed: now - 10_000 }),
      s('once', { uses: 1, lastUsed: now - 1000 }),
    ]
    expect(sessionsToRelease(live, { maxSessions: 1, maxBytes: 1e9 }, { now })).toEqual(['once'])
  })

  it('lets a long-idle session go however often it was used', () => {
    const live = [
      s('old', { uses: 50, lastUsed: now - 3_600_000 }),
      s('new', { uses: 1, lastUsed: now - 1000 }),
    ]
    expect(sessionsToRelease(live, { maxSessions: 1, maxBytes: 1e9 }, { now })).toEqual(['old'])
  })

  it('never releases a session with queued requests, even over budget', () => {
    const live = [s('busy', { queued: 2, lastUsed: 0, uses: 0 }), s('idle', { lastUsed: now })]
    expect(sessionsToRelease(live, { maxSessions: 0, maxBytes: 0 }, { now })).toEqual(['idle'])
  })

  it('releases by bytes until the byte budget holds', () => {
    const live = [
      s('big', { bytes: 800, lastUsed: now - 10 }),
      s('small', { bytes: 100, lastUsed: now - 20 }),
    ]
    expect(sessionsToRelease(live, { maxSessions: 10, maxBytes: 850 }, { now })).toEqual(['small'])
    expect(sessionsToRelease(live, { maxSessions: 10, maxBytes: 50 }, { now })).toEqual(['small', 'big'])
  })

  it('makes room for a session about to be created', () => {
    const live = [s('a', { lastUsed: now - 10 }), s('b')]
    expect(
      sessionsToRelease(live, { maxSessions: 2, maxBytes: 1e9 }, { now, reserve: { sessions: 1, bytes: 0 } }),
    ).toEqual(['a'])
  })

  it('scores decay with idle time and grow with use', () => {
    expect(sessionScore(s('x', { uses: 3 }), now)).toBe(4)
    expect(sessionScore(s('x', { uses: 3, lastUsed: now - 60_000 }), now)).toBeCloseTo(2)
  })
})
