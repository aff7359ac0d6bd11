import { createHash } from 'node:crypto'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { BlobUrlWorker } from '../../test/blob-url-worker.js'
import {
  checkTimeout,
  HASHER,
  matchesDigest,
  OFF_THREAD_MAX_BYTES,
  OFF_THREAD_MIN_BYTES,
  startBlobCheck,
} from './digest.js'

// Past OFF_THREAD_MIN_BYTES, so a helper worker is worth starting.
const bytes = new TextEncoder().encode('ferry '.repeat(200_000))
const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`
const g = globalThis as { Worker?: unknown }
const realWorker = g.Worker

afterEach(() => {
  g.Worker = realWorker
})

describe('matchesDigest', () => {
  it('checks bytes against a sha256 digest', async () => {
    expect(await matchesDigest(bytes, digest)).toBe(true)
    expect(await matchesDigest(bytes.subarray(1), digest)).toBe(false)
  })
})

describe('startBlobCheck', () => {
  it("hashes a Blob on a worker of its own, with the hasher's real script", async () => {
    g.Worker = BlobUrlWorker
    BlobUrlWorker.started = 0
    BlobUrlWorker.answers = []
    const a = startBlobCheck(bytes.byteLength)
    const b = startBlobCheck(bytes.byteLength)
    expect(await a?.check(new Blob([bytes]), digest)).toBe(true)
    expect(await b?.check(new Blob([bytes, Uint8Array.of(1)]), digest)).toBe(false)
    expect(BlobUrlWorker.started).toBe(2)
    // The workers answered the digests themselves.
    expect(BlobUrlWorker.answers).toHaveLength(2)
    expect(`sha256:${BlobUrlWorker.answers[0]}`).toBe(digest)
    expect(BlobUrlWorker.answers[1]).toMatch(/^[0-9a-f]{64}$/)
  })

  it('hashes downloaded bytes there too (a copy: the caller keeps them); small and huge files stay here', async () => {
    g.Worker = BlobUrlWorker
    BlobUrlWorker.started = 0
    const copy = bytes.slice()
    expect(await startBlobCheck(copy.byteLength)?.check(copy, digest)).toBe(true)
    // (Buffer.equals: a deep toEqual of 1.2 MB takes seconds.)
    expect(Buffer.from(copy).equals(bytes)).toBe(true)
    const flipped = bytes.slice()
    flipped[5] = (flipped[5] ?? 0) ^ 1
    expect(await startBlobCheck(flipped.byteLength)?.check(flipped, digest)).toBe(false)
    expect(BlobUrlWorker.started).toBe(2)
    expect(startBlobCheck(OFF_THREAD_MIN_BYTES - 1)).toBeNull()
    expect(startBlobCheck(OFF_THREAD_MAX_BYTES + 1)).toBeNull()
    expect(BlobUrlWorker.started).toBe(2)
  })

  it('takes a download piece by piece as it arrives: the check then sends nothing again', async () => {
    g.Worker = BlobUrlWorker
    BlobUrlWorker.posted = []
    const copy = bytes.slice()
    const c = startBlobCheck(copy.byteLength)
    for (let at = 0; at < copy.byteLength; at += 100_000) {
      const piece = copy.slice(at, at + 100_000)
      c?.push(piece, at)
      // Spanning its own buffer, the piece was handed over, not copied.
      expect(piece.byteLength).toBe(0)
    }
    expect(await c?.check(copy, digest)).toBe(true)
    expect(BlobUrlWorker.posted.at(-1)).toBeNull()
    // A piece out of order (a restart, a resumed download): the check sends the whole bytes.
    BlobUrlWorker.posted = []
    const d = startBlobCheck(copy.byteLength)
    d?.push(copy.subarray(0, 10), 0)
    d?.push(copy.subarray(20, 30), 20)
    d?.push(copy.subarray(10, 20), 10)
    expect(copy.byteLength).toBe(bytes.byteLength)
    expect(await d?.check(copy, digest)).toBe(true)
    expect(BlobUrlWorker.posted.at(-1)).toBe(copy)
  })

  it('is null where no worker can start, and rejects when its worker fails', async () => {
    g.Worker = undefined
    expect(startBlobCheck(bytes.byteLength)).toBeNull()
    g.Worker = class {
      constructor() {
        throw new DOMException('blocked by CSP', 'SecurityError')
      }
    }
    expect(startBlobCheck(bytes.byteLength)).toBeNull()
    // A worker that answers null (its crypto.subtle failed): the caller checks the bytes itself then.
    let stopped = 0
    g.Worker = class {
      onmessage: ((e: { data: unknown }) => void) | null = null
      onerror: ((e: unknown) => void) | null = null
      postMessage() {
        setTimeout(() => this.onmessage?.({ data: null }))
      }
      terminate() {
        stopped++
      }
    }
    await expect(startBlobCheck(bytes.byteLength)?.check(new Blob([bytes]), digest)).rejects.toThrow(
      'digest worker failed',
    )
    expect(stopped).toBe(1)
    startBlobCheck(bytes.byteLength)?.stop()
    expect(stopped).toBe(2)
  })

  it('never hangs: an error before the check (a CSP that blocks blob: workers) or no answer in time rejects it', async () => {
    // Chromium makes a blob: worker that a CSP forbids, then fires `error` on it shortly after.
    g.Worker = class {
      onmessage: ((e: { data: unknown }) => void) | null = null
      onerror: ((e: unknown) => void) | null = null
      constructor() {
        setTimeout(() => this.onerror?.(new Event('error')))
      }
      postMessage() {}
      terminate() {}
    }
    const blocked = startBlobCheck(bytes.byteLength)
    await new Promise((r) => setTimeout(r, 5))
    blocked?.push(bytes.slice(0, 10), 0)
    await expect(blocked?.check(bytes, digest)).rejects.toThrow('digest worker failed')
    // A worker that takes the job and never answers: the check gives up after checkTimeout(size).
    vi.useFakeTimers()
    try {
      g.Worker = class {
        onmessage = null
        onerror = null
        postMessage() {}
        terminate() {}
      }
      const silent = startBlobCheck(bytes.byteLength)?.check(bytes, digest)
      const settled = vi.fn()
      silent?.catch(settled)
      await vi.advanceTimersByTimeAsync(checkTimeout(bytes.byteLength) - 10)
      expect(settled).not.toHaveBeenCalled()
      await vi.advanceTimersByTimeAsync(20)
      expect(settled).toHaveBeenCalledOnce()
    } finally {
      vi.useRealTimers()
    }
  })

  it('the hasher script is self-contained (no references to this module)', () => {
    expect(HASHER).not.toMatch(/\$\{/)
    expect(() => new Function(HASHER)).not.toThrow()
  })
})
