import { describe, expect, it } from 'vitest'
import { createMemoryStore } from './memory.js'
import { stagingMaxAgeMs, startStagingSweep } from './sweep.js'
import type { BlobStore } from './types.js'

/** A memory store whose sweeps are recorded (the memory store has no staging of its own). */
function recordingStore(fail = false) {
  const ages: number[] = []
  const store: BlobStore = {
    ...createMemoryStore(),
    async sweepStaging(maxAgeMs) {
      ages.push(maxAgeMs)
      if (fail) throw new Error('store down')
      return 2
    },
  }
  return { store, ages }
}

describe('staging sweep', () => {
  it('ties the age to the request timeout', () => {
    expect(stagingMaxAgeMs(10 * 60_000)).toBe(15 * 60_000)
    expect(stagingMaxAgeMs(2000)).toBe(3000)
  })

  it('sweeps at start and then periodically, until stopped', async () => {
    const { store, ages } = recordingStore()
    const swept: number[] = []
    const s = startStagingSweep(store, { maxAgeMs: 3000, intervalMs: 20, onSwept: (n) => swept.push(n) })
    await expect.poll(() => ages.length).toBeGreaterThanOrEqual(3)
    s.stop()
    const after = ages.length
    await new Promise((r) => setTimeout(r, 100))
    expect(ages.length).toBeLessThanOrEqual(after + 1)
    expect(new Set(ages)).toEqual(new Set([3000]))
    expect(swept.every((n) => n === 2)).toBe(true)
  })

  it('keeps sweeping after a failed sweep, and reports it', async () => {
    const { store, ages } = recordingStore(true)
    const errors: unknown[] = []
    const s = startStagingSweep(store, { maxAgeMs: 10, intervalMs: 10, onError: (e) => errors.push(e) })
    await expect.poll(() => errors.length).toBeGreaterThanOrEqual(2)
    s.stop()
    expect(ages.length).toBeGreaterThanOrEqual(2)
    expect(await s.sweep()).toBe(0)
  })
})
