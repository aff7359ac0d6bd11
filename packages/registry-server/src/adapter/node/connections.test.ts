// Many clients that start a download and stop reading (issue 17: 500 such held 1,021 descriptors and 301 MB):
// over real sockets, the connection cap answers the surplus 503 while /v1/health keeps answering, the idle
// timeout cuts the stalled ones off, and every blob file they held is closed.
import { randomBytes } from 'node:crypto'
import { mkdtemp, readdir, readlink, rm } from 'node:fs/promises'
import { connect, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { digestOf } from '../../store/store.suite.js'
import { type RunningRegistry, serve } from './index.js'

// Larger than what the kernel buffers between server and a client that does not read (4 MiB send buffer).
const BLOB = randomBytes(8 * 1024 * 1024)
const DIGEST = digestOf(BLOB)
const CLIENTS = 120
const CAP = 80

/** A client that asks for the blob and stops reading once the answer starts; `received` counts what it got. */
interface Stalled {
  socket: Socket
  status: Promise<number | 'dropped'>
  received: () => number
  /** Reads on; resolves when the server has closed the connection. */
  resume: () => Promise<void>
}

function stalledDownload(port: number): Stalled {
  const socket = connect(port, '127.0.0.1')
  let received = 0
  let head = ''
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()))
  socket.on('error', () => {})
  const status = new Promise<number | 'dropped'>((resolve) => {
    socket.once('close', () => resolve('dropped'))
    socket.on('data', (d: Buffer) => {
      received += d.length
      if (head === '') {
        head = d.toString('latin1', 0, 40)
        socket.pause()
        resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0))
      }
    })
  })
  socket.write(`GET /v1/blobs/${DIGEST} HTTP/1.1\r\nHost: registry\r\n\r\n`)
  return {
    socket,
    status,
    received: () => received,
    resume: () => {
      socket.resume()
      return closed
    },
  }
}

/** Descriptors of this process open on files under `dir`. */
async function openFilesUnder(dir: string): Promise<number> {
  let n = 0
  for (const fd of await readdir('/proc/self/fd')) {
    const target = await readlink(`/proc/self/fd/${fd}`).catch(() => '')
    if (target.startsWith(dir)) n++
  }
  return n
}

describe('stalled downloaders over real sockets', () => {
  let dir: string
  let reg: RunningRegistry
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ferry-conns-'))
    reg = await serve({ port: 0, storeDir: dir, tokens: ['t'], idleTimeoutMs: 1000, maxConnections: CAP })
    const up = await fetch(`${reg.url}/v1/blobs?digest=${DIGEST}`, {
      method: 'POST',
      headers: { Authorization: 'Bearer t' },
      body: BLOB,
    })
    expect(up.status).toBe(201)
  })
  afterAll(async () => {
    await reg?.close()
    await rm(dir, { recursive: true, force: true })
  })

  it('caps connections (503 past the cap), keeps health answering, and cuts idle downloads off', async () => {
    const clients = Array.from({ length: CLIENTS }, () => stalledDownload(reg.port))
    const statuses = await Promise.all(clients.map((c) => c.status))
    const ok = statuses.filter((s) => s === 200).length
    const busy = statuses.filter((s) => s === 503).length
    expect(ok).toBeGreaterThan(0)
    expect(ok).toBeLessThanOrEqual(CAP)
    expect(busy).toBeGreaterThan(0)
    expect(ok + busy + statuses.filter((s) => s === 'dropped').length).toBe(CLIENTS)

    // While up to CAP downloads are stalled, health answers; another download is told to come back.
    const health = await fetch(`${reg.url}/v1/health`)
    expect(await health.json()).toEqual({ status: 'ok' })
    const refused = await fetch(`${reg.url}/v1/blobs/${DIGEST}`)
    expect(refused.status).toBe(503)
    expect(refused.headers.get('retry-after')).toBe('1')
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('SERVER_BUSY')

    // Past the idle timeout the server has dropped every stalled download by itself (while its client still
    // sleeps) and closed its blob file; reading on, each client finds its download cut short.
    expect(await openFilesUnder(dir)).toBeGreaterThan(0)
    await expect.poll(() => openFilesUnder(dir), { timeout: 15_000, interval: 250 }).toBe(0)
    const stalled = clients.filter((_, i) => statuses[i] === 200).slice(0, 10)
    await Promise.all(stalled.map((c) => c.resume()))
    for (const c of stalled) expect(c.received()).toBeLessThan(BLOB.byteLength)
    for (const c of clients) c.socket.destroy()

    // And the registry serves whole downloads again.
    const whole = await fetch(`${reg.url}/v1/blobs/${DIGEST}`)
    expect(whole.status).toBe(200)
    expect(digestOf(new Uint8Array(await whole.arrayBuffer()))).toBe(DIGEST)
  }, 60_000)

  it('closes the blob file of every download, finished, ranged or dropped midway', async () => {
    for (let i = 0; i < 20; i++) {
      const ctl = new AbortController()
      const res = await fetch(`${reg.url}/v1/blobs/${DIGEST}`, {
        signal: ctl.signal,
        headers: i % 2 ? { Range: `bytes=${i * 1000}-${i * 5000}` } : {},
      })
      const reader = res.body!.getReader()
      await reader.read()
      if (i % 3 === 0) ctl.abort()
      else while (!(await reader.read()).done) {}
    }
    await expect.poll(() => openFilesUnder(dir), { timeout: 10_000 }).toBe(0)
  })
})
