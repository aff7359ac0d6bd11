import { createHash } from 'node:crypto'
import { Worker as NodeWorker } from 'node:worker_threads'
import { afterEach, describe, expect, it } from 'vitest'
import { HASHER, matchesDigest } from './digest.js'

const bytes = new TextEncoder().encode('ferry '.repeat(10_000))
const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`
const g = globalThis as { Worker?: unknown }
const realWorker = g.Worker

/**
 * A browser-like `Worker` over node:worker_threads: it runs the script behind a blob: URL with
 * `onmessage`/`postMessage` as a dedicated worker has them, so the hasher's own source is what runs.
 */
class BlobUrlWorker {
  onmessage: ((e: { data: unknown }) => void) | null = null
  onerror: ((e: unknown) => void) | null = null
  static started = 0
  static answers: unknown[] = []
  private readonly w: Promise<NodeWorker>
  constructor(url: string) {
    BlobUrlWorker.started++
    this.w = (async () => {
      const { resolveObjectURL } = await import('node:buffer')
      const src = await (resolveObjectURL(url) as Blob).text()
      const w = new NodeWorker(
        `const { parentPort } = require('node:worker_threads')
         globalThis.postMessage = (d) => parentPort.postMessage(d)
         ${src}
         parentPort.on('message', (data) => onmessage({ data }))`,
        { eval: true },
      )
      w.on('message', (data) => {
        BlobUrlWorker.answers.push(data)
        this.onmessage?.({ data })
      })
      w.on('error', (e) => this.onerror?.(e))
      return w
    })()
  }
  postMessage(data: unknown) {
    void this.w.then((w) => w.postMessage(data))
  }
  terminate() {
    void this.w.then((w) => w.terminate())
  }
}

afterEach(() => {
  g.Worker = realWorker
})

describe('matchesDigest', () => {
  it('checks bytes on this thread', async () => {
    expect(await matchesDigest(bytes, digest)).toBe(true)
    expect(await matchesDigest(bytes.subarray(1), digest)).toBe(false)
  })

  it("hashes a Blob on a worker of its own, with the hasher's real script", async () => {
    g.Worker = BlobUrlWorker
    BlobUrlWorker.started = 0
    BlobUrlWorker.answers = []
    expect(await matchesDigest(new Blob([bytes]), digest)).toBe(true)
    expect(await matchesDigest(new Blob([bytes, Uint8Array.of(1)]), digest)).toBe(false)
    expect(BlobUrlWorker.started).toBe(2)
    // The workers answered the digests themselves (no fallback to this thread).
    expect(BlobUrlWorker.answers).toHaveLength(2)
    expect(`sha256:${BlobUrlWorker.answers[0]}`).toBe(digest)
    expect(BlobUrlWorker.answers[1]).toMatch(/^[0-9a-f]{64}$/)
  })

  it('hashes a Blob here when no worker can start or the worker fails', async () => {
    g.Worker = undefined
    expect(await matchesDigest(new Blob([bytes]), digest)).toBe(true)
    g.Worker = class {
      constructor() {
        throw new DOMException('blocked by CSP', 'SecurityError')
      }
    }
    expect(await matchesDigest(new Blob([bytes]), digest)).toBe(true)
    // A worker that answers null (its crypto.subtle failed) or errors: the check still happens, here.
    g.Worker = class {
      onmessage: ((e: { data: unknown }) => void) | null = null
      onerror: ((e: unknown) => void) | null = null
      postMessage() {
        setTimeout(() => this.onmessage?.({ data: null }))
      }
      terminate() {}
    }
    expect(await matchesDigest(new Blob([bytes]), digest)).toBe(true)
    expect(await matchesDigest(new Blob([bytes.subarray(2)]), digest)).toBe(false)
  })

  it('the hasher script is self-contained (no references to this module)', () => {
    expect(HASHER).not.toMatch(/\$\{/)
    expect(() => new Function(HASHER)).not.toThrow()
  })
})
