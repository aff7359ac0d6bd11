import { createServer, get, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { PassThrough, Readable } from 'node:stream'
import { afterEach, describe, expect, it } from 'vitest'
import { nativeBodyOf, withNativeBody } from '../../http/native-body.js'
import { readableBody, sendReadableBody } from './readable-body.js'

const chunk = (n: number, fill: number) => Buffer.alloc(n, fill)

async function readAll(stream: ReadableStream<Uint8Array>): Promise<Uint8Array[]> {
  const out: Uint8Array[] = []
  const reader = stream.getReader()
  for (let r = await reader.read(); !r.done; r = await reader.read()) out.push(r.value)
  return out
}

describe('readableBody', () => {
  it("hands on the readable's own chunks, in order, and reads nothing before the first pull", async () => {
    const parts = [chunk(70_000, 1), chunk(5, 2), chunk(300_000, 3)]
    const source = Readable.from(parts, { objectMode: false })
    const body = readableBody(source)
    await new Promise((r) => setTimeout(r, 20))
    expect(source.readableFlowing).toBeNull()
    const got = await readAll(body)
    expect(got).toHaveLength(3)
    // The same buffers, not copies.
    for (const [i, c] of got.entries()) expect(c).toBe(parts[i])
  })

  it('reads ahead a bounded amount of a fast source, not all of it', async () => {
    const source = new PassThrough({ highWaterMark: 1024 })
    const body = readableBody(source)
    const reader = body.getReader()
    for (let i = 0; i < 64; i++) source.write(chunk(64 * 1024, i))
    await reader.read()
    await new Promise((r) => setTimeout(r, 20))
    // 4 MiB were offered; the stream holds about READ_AHEAD (256 KiB) of them, the rest waits in the source.
    expect(source.readableLength + source.writableLength).toBeGreaterThan(3 * 1024 * 1024)
    await reader.cancel()
    expect(source.destroyed).toBe(true)
  })

  it('fails when the source fails or closes early, and names why', async () => {
    const failing = new PassThrough()
    const a = readAll(readableBody(failing))
    failing.write(chunk(10, 1))
    setTimeout(() => failing.destroy(new Error('connection reset')), 10)
    await expect(a).rejects.toThrow('connection reset')

    const closing = new PassThrough()
    const b = readAll(readableBody(closing))
    closing.write(chunk(10, 1))
    setTimeout(() => closing.destroy(), 10)
    await expect(b).rejects.toThrow('closed before the body ended')

    // A source that failed before anyone read: the first read fails, nothing is thrown at the process.
    const early = new PassThrough()
    const c = readableBody(early)
    early.destroy(new Error('gone'))
    await new Promise((r) => setTimeout(r, 10))
    await expect(readAll(c)).rejects.toThrow('gone')
  })

  it('is taken by one consumer only: a native sender, or the web stream', async () => {
    const claimed = readableBody(Readable.from([chunk(3, 1)]))
    const source = nativeBodyOf(claimed)?.source as { claim(): boolean }
    expect(source.claim()).toBe(true)
    await expect(readAll(claimed)).rejects.toThrow('handed to the server')

    const read = readableBody(Readable.from([chunk(3, 1), chunk(3, 2)]))
    const reader = read.getReader()
    await reader.read()
    expect((nativeBodyOf(read)?.source as { claim(): boolean } | undefined)?.claim()).toBe(false)
    expect((await reader.read()).value).toEqual(chunk(3, 2))
  })
})

describe('sendReadableBody over a real socket', () => {
  let server: Server | undefined
  afterEach(() => server?.close())

  /** Serves `make()`'s response natively; resolves its URL. */
  async function serveNative(make: () => Response): Promise<string> {
    server = createServer((_req, res) => {
      if (!sendReadableBody(make(), res)) res.end('not native')
    })
    await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r))
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`
  }
  const fetchRaw = (url: string) => new Promise<IncomingMessage>((resolve) => get(url, resolve))

  it('pipes the readable with the response status and headers, and counts the bytes sent', async () => {
    let counted = 0
    const parts = [chunk(100_000, 7), chunk(50_000, 8)]
    const url = await serveNative(() => {
      const body = readableBody(Readable.from(parts))
      const native = nativeBodyOf(body)
      // What the core does to count bytes: wrap the stream, keep the source, add onBytes.
      const wrapped = withNativeBody(new ReadableStream<Uint8Array>(), {
        source: native?.source,
        onBytes: (n) => {
          counted += n
        },
      })
      return new Response(wrapped, {
        status: 206,
        headers: { 'x-kind': 'native', 'content-length': '150000' },
      })
    })
    const res = await fetch(url)
    expect(res.status).toBe(206)
    expect(res.headers.get('x-kind')).toBe('native')
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(new Uint8Array(Buffer.concat(parts)))
    expect(counted).toBe(150_000)
  })

  it('cuts the response short when the source fails midway, and drops the source when the client leaves', async () => {
    const failing = new PassThrough()
    const url = await serveNative(
      () => new Response(readableBody(failing), { headers: { 'content-length': '1000000' } }),
    )
    // Node sends the head with the first bytes.
    failing.write(chunk(1000, 1))
    const res = await fetchRaw(url)
    setTimeout(() => failing.destroy(new Error('store connection reset')), 20)
    const ended = await new Promise<string>((resolve) => {
      res.on('error', () => resolve('error'))
      res.on('aborted', () => resolve('aborted'))
      res.on('end', () => resolve('end'))
      res.resume()
    })
    expect(ended).not.toBe('end')
    server?.close()

    const slow = new PassThrough()
    const url2 = await serveNative(() => new Response(readableBody(slow)))
    slow.write(chunk(1000, 1))
    const res2 = await fetchRaw(url2)
    res2.destroy()
    await new Promise((r) => setTimeout(r, 100))
    expect(slow.destroyed).toBe(true)
  })
})
