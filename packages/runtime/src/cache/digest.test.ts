import { createHash } from 'node:crypto'
import { Worker as NodeWorker } from 'node:worker_threads'
import { afterEach, describe, expect, it } from 'vitest'
import { HASHER, matchesDigest, startBlobCheck } from './digest.js'

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
    const a = startBlobCheck()
    const b = startBlobCheck()
    expect(await a?.check(new Blob([bytes]), digest)).toBe(true)
    expect(await b?.check(new Blob([bytes, Uint8Array.of(1)]), digest)).toBe(false)
    expect(BlobUrlWorker.started).toBe(2)
    // The workers answered the digests themselves.
    expect(BlobUrlWorker.answers).toHaveLength(2)
    expect(`sha256:${BlobUrlWorker.answers[0]}`).toBe(digest)
    expect(BlobUrlWorker.answers[1]).toMatch(/^[0-9a-f]{64}$/)
  })

  it('is null where no worker can start, and rejects when its worker fails', async () => {
    g.Worker = undefined
    expect(startBlobCheck()).toBeNull()
    g.Worker = class {
      constructor() {
        throw new DOMException('blocked by CSP', 'SecurityError')
      }
    }
    expect(startBlobCheck()).toBeNull()
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
    await expect(startBlobCheck()?.check(new Blob([bytes]), digest)).rejects.toThrow('digest worker failed')
    expect(stopped).toBe(1)
    startBlobCheck()?.stop()
    expect(stopped).toBe(2)
  })

  it('the hasher script is self-contained (no references to this module)', () => {
    expect(HASHER).not.toMatch(/\$\{/)
    expect(() => new Function(HASHER)).not.toThrow()
  })
})
