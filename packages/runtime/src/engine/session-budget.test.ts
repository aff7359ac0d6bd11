import { describe, expect, it } from 'vitest'
import { pickSessionsToRelease } from './session-budget.js'

const m = (key: string, lastUsed: number, busy = false) => ({
  key,
  bytes: 100,
  lastUsed,
  uses: 1,
  session: {},
  queue: { busy, length: busy ? 1 : 0 },
})

describe('sessions budget', () => {
  it('releases the least used idle sessions, never the one in use or a busy one', () => {
    const now = Date.now()
    const a = m('a@1', now - 50_000)
    const b = m('b@1', now - 40_000, true)
    const c = m('c@1', now - 1_000)
    const d = m('d@1', now)
    expect(pickSessionsToRelease([a, b, c, d], d, { maxCount: 2 }).map((x) => x.key)).toEqual(['a@1', 'c@1'])
    expect(pickSessionsToRelease([a, b, c, d], a, { maxBytes: 350 }).map((x) => x.key)).toEqual(['c@1'])
    expect(pickSessionsToRelease([a, b, c, d], d, {})).toEqual([])
  })
})
