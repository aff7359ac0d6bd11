import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { digestOf, draftFor } from '../../store/store.suite.js'
import { type RunningRegistry, serve } from './index.js'

describe('serve() over a real socket with the fs store', () => {
  let dir: string
  let reg: RunningRegistry
  const auth = { Authorization: 'Bearer t0k' }
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ferry-serve-'))
    reg = await serve({ port: 0, storeDir: dir, tokens: ['t0k'] })
  })
  afterAll(async () => {
    await reg?.close()
    await rm(dir, { recursive: true, force: true })
  })

  it('uploads a streamed blob, publishes, resolves and downloads with ranges', async () => {
    expect(reg.url).toBe(`http://127.0.0.1:${reg.port}`)
    const data = new Uint8Array(3 * 1024 * 1024).map((_, i) => (i * 13) & 0xff)
    let pos = 0
    const body = new ReadableStream<Uint8Array>({
      pull(c) {
        if (pos >= data.byteLength) return c.close()
        c.enqueue(data.slice(pos, pos + 100_000))
        pos += 100_000
      },
    })
    const up = await fetch(`${reg.url}/v1/blobs?digest=${digestOf(data)}`, {
      method: 'POST',
      headers: auth,
      body,
      duplex: 'half',
    } as RequestInit)
    expect(up.status).toBe(201)
    const { digest, size } = (await up.json()) as { digest: string; size: number }
    const pub = await fetch(`${reg.url}/v1/models/net/versions`, {
      method: 'POST',
      headers: { ...auth, 'Content-Type': 'application/json' },
      body: JSON.stringify(draftFor(digest, size)),
    })
    expect(await pub.json()).toEqual({ version: 1 })
    const latest = await fetch(`${reg.url}/v1/models/net/aliases/latest`)
    expect(((await latest.json()) as { version: number }).version).toBe(1)

    const head = await fetch(`${reg.url}/v1/blobs/${digest}`, { method: 'HEAD' })
    expect(head.status).toBe(200)
    expect(head.headers.get('content-length')).toBe(String(data.byteLength))
    const whole = new Uint8Array(await (await fetch(`${reg.url}/v1/blobs/${digest}`)).arrayBuffer())
    expect(digestOf(whole)).toBe(digest)
    const part = await fetch(`${reg.url}/v1/blobs/${digest}`, { headers: { Range: 'bytes=1000000-1000009' } })
    expect(part.status).toBe(206)
    expect(new Uint8Array(await part.arrayBuffer())).toEqual(data.subarray(1_000_000, 1_000_010))
    const bad = await fetch(`${reg.url}/v1/blobs/${digest}`, { headers: { Range: 'bytes=9999999-' } })
    expect(bad.status).toBe(416)
    expect(bad.headers.get('content-range')).toBe(`bytes */${data.byteLength}`)
    await bad.arrayBuffer()
  })

  it('survives a client that drops a download midway', async () => {
    const res = await fetch(`${reg.url}/v1/models/net/aliases/latest`)
    const m = (await res.json()) as { files: { digest: string }[] }
    const ctl = new AbortController()
    const dl = await fetch(`${reg.url}/v1/blobs/${m.files[0]!.digest}`, { signal: ctl.signal })
    const reader = dl.body!.getReader()
    await reader.read()
    ctl.abort()
    await reader.read().catch(() => {})
    expect((await fetch(`${reg.url}/v1/health`)).status).toBe(200)
  })
})

describe('serve() sweeps staging leftovers while it runs', () => {
  it('removes a temp file a killed upload left, not only at start, once it is older than the upload timeout', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ferry-serve-sweep-'))
    const reg = await serve({
      port: 0,
      storeDir: dir,
      tokens: ['t'],
      limits: { requestTimeoutMs: 1000 },
      sweep: { intervalMs: 50 },
    })
    try {
      await new Promise((r) => setTimeout(r, 150))
      await mkdir(join(dir, 'tmp'), { recursive: true })
      await writeFile(join(dir, 'tmp', 'killed-upload'), 'half of it')
      await writeFile(join(dir, 'tmp', 'live-upload'), 'still coming')
      const old = new Date(Date.now() - 2000)
      await utimes(join(dir, 'tmp', 'killed-upload'), old, old)
      await expect.poll(() => readdir(join(dir, 'tmp')), { timeout: 5000 }).toEqual(['live-upload'])
    } finally {
      await reg.close()
      await rm(dir, { recursive: true, force: true })
    }
  })
})
