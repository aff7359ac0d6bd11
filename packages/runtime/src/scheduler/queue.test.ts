import { FerryError } from '@ferry/protocol'
import { describe, expect, it, vi } from 'vitest'
import { RequestQueue } from './queue.js'

const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms))

describe('RequestQueue', () => {
  it('runs one at a time in FIFO order, bounds the wait list, and aborts waiting requests', async () => {
    const order: number[] = []
    let active = 0
    let maxActive = 0
    const q = new RequestQueue<number, number>({
      maxLength: 3,
      run: async ([n]) => {
        active++
        maxActive = Math.max(maxActive, active)
        await tick(2)
        order.push(n as number)
        active--
        return [(n as number) * 10]
      },
    })
    const ac = new AbortController()
    const ps = [q.push(1), q.push(2), q.push(3, ac.signal), q.push(4), q.push(5)]
    ac.abort()
    const r = await Promise.allSettled(ps)
    expect(r.map((x) => (x.status === 'fulfilled' ? x.value : (x.reason as { code: string }).code))).toEqual([
      10,
      20,
      'ABORTED',
      40,
      'QUEUE_FULL',
    ])
    expect(order).toEqual([1, 2, 4])
    expect(maxActive).toBe(1)
    expect(q.busy).toBe(false)
  })

  it('batches contiguous compatible requests up to maxBatchSize rows', async () => {
    const batches: number[][] = []
    const q = new RequestQueue<{ rows: number; kind: string }, string>({
      maxLength: 100,
      run: async (items) => {
        batches.push(items.map((i) => i.rows))
        return items.map((i) => i.kind)
      },
      batch: {
        maxBatchSize: 4,
        maxDelayMs: 5,
        rows: (i) => i.rows,
        compatible: (a, b) => a.kind === b.kind,
      },
    })
    const items = [
      { rows: 1, kind: 'a' },
      { rows: 2, kind: 'a' },
      { rows: 2, kind: 'a' },
      { rows: 1, kind: 'b' },
      { rows: 1, kind: 'a' },
    ]
    expect(await Promise.all(items.map((i) => q.push(i)))).toEqual(['a', 'a', 'a', 'b', 'a'])
    expect(batches).toEqual([[1, 2], [2], [1], [1]])
  })

  it('runs a full batch at once; a partial one waits maxDelayMs for company', async () => {
    vi.useFakeTimers()
    try {
      const batches: number[][] = []
      const q = new RequestQueue<number, number>({
        maxLength: 100,
        run: async (items) => {
          batches.push(items)
          return items
        },
        batch: { maxBatchSize: 4, maxDelayMs: 1000, rows: () => 1, compatible: () => true },
      })
      const full = [1, 2, 3, 4].map((n) => q.push(n))
      // The fourth request filled the batch: it ran without waiting for the timer.
      expect(batches).toEqual([[1, 2, 3, 4]])
      expect(await Promise.all(full)).toEqual([1, 2, 3, 4])
      const partial = [5, 6].map((n) => q.push(n))
      await vi.advanceTimersByTimeAsync(999)
      expect(batches).toHaveLength(1)
      await vi.advanceTimersByTimeAsync(1)
      expect(batches).toEqual([
        [1, 2, 3, 4],
        [5, 6],
      ])
      expect(await Promise.all(partial)).toEqual([5, 6])
      // A wait whose only request was aborted ends, and the next request gets a wait of its own.
      const ac = new AbortController()
      const gone = q.push(7, ac.signal).catch((e: { code: string }) => e.code)
      ac.abort()
      expect(await gone).toBe('ABORTED')
      await vi.advanceTimersByTimeAsync(1000)
      const next = q.push(8)
      await vi.advanceTimersByTimeAsync(1000)
      expect(await next).toBe(8)
    } finally {
      vi.useRealTimers()
    }
  })

  it('rejects everything waiting on close', async () => {
    const q = new RequestQueue<number, number>({
      maxLength: 5,
      run: async (x) => {
        await tick(5)
        return x
      },
    })
    const a = q.push(1)
    const b = q.push(2)
    const bFails = expect(b).rejects.toMatchObject({ code: 'RUNTIME_CLOSED' })
    q.close(new FerryError('RUNTIME_CLOSED', 'closed'))
    expect(await a).toBe(1)
    await bFails
    await expect(q.push(3)).rejects.toMatchObject({ code: 'RUNTIME_CLOSED' })
  })
})
