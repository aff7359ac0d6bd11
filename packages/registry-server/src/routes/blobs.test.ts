import { describe, expect, it } from 'vitest'
import { auth, bytesOf, codeOf, digestOf, setup } from './fixture.suite.js'

describe('POST /v1/blobs', () => {
  it('stores a streamed body and answers its digest and size', async () => {
    const { upload, req } = setup()
    const data = bytesOf(70_000)
    const { res, body } = await upload(data)
    expect(res.status).toBe(201)
    expect(body).toEqual({ digest: digestOf(data), size: 70_000 })
    expect(res.headers.get('location')).toBe(`/v1/blobs/${digestOf(data)}`)
    expect((await req(`/v1/blobs/${body.digest}`, { method: 'HEAD' })).status).toBe(200)
  })

  it('verifies ?digest= and never shows a mismatching blob', async () => {
    const { upload, req } = setup()
    const data = bytesOf(1000)
    const wrong = digestOf(bytesOf(5))
    const { res } = await upload(data, `?digest=${wrong}`)
    expect(res.status).toBe(422)
    for (const d of [wrong, digestOf(data)]) {
      expect((await req(`/v1/blobs/${d}`, { method: 'HEAD' })).status).toBe(404)
    }
    expect((await upload(data, `?digest=${digestOf(data)}`)).res.status).toBe(201)
  })

  it('answers 422 DIGEST_MISMATCH with a coded body', async () => {
    const { req } = setup()
    const res = await req(`/v1/blobs?digest=${digestOf(bytesOf(5))}`, {
      method: 'POST',
      headers: auth,
      body: 'x',
    })
    expect(await codeOf(res)).toBe('DIGEST_MISMATCH')
  })

  it('refuses a malformed ?digest= with 400 INVALID_DIGEST', async () => {
    const { req } = setup()
    for (const d of ['abc', 'sha256:xyz', `sha256:${'A'.repeat(64)}`, `md5:${'a'.repeat(32)}`]) {
      const res = await req(`/v1/blobs?digest=${encodeURIComponent(d)}`, {
        method: 'POST',
        headers: auth,
        body: 'x',
      })
      expect(res.status).toBe(400)
      expect(await codeOf(res)).toBe('INVALID_DIGEST')
    }
  })

  it('refuses oversized bodies with 413 while streaming, leaving nothing', async () => {
    const { req } = setup({ limits: { maxBlobBytes: 1000 } })
    const data = bytesOf(5000)
    // No Content-Length: the limit trips while the stream is read.
    let sent = 0
    const body = new ReadableStream<Uint8Array>({
      pull(c) {
        if (sent >= data.byteLength) return c.close()
        c.enqueue(data.slice(sent, sent + 500))
        sent += 500
      },
    })
    const res = await req('/v1/blobs', { method: 'POST', headers: auth, body, duplex: 'half' } as RequestInit)
    expect(res.status).toBe(413)
    expect(await codeOf(res)).toBe('PAYLOAD_TOO_LARGE')
    expect(sent).toBeLessThan(data.byteLength)
    expect((await req(`/v1/blobs/${digestOf(data)}`, { method: 'HEAD' })).status).toBe(404)
    // With a Content-Length over the limit it is refused before reading.
    const early = await req('/v1/blobs', {
      method: 'POST',
      headers: { ...auth, 'Content-Length': '5000' },
      body: data,
    })
    expect(early.status).toBe(413)
  })

  it('needs a token: 401 without, 403 with a wrong one', async () => {
    const { req } = setup()
    const none = await req('/v1/blobs', { method: 'POST', body: 'x' })
    expect(none.status).toBe(401)
    expect(await codeOf(none)).toBe('UNAUTHORIZED')
    const wrong = await req('/v1/blobs', {
      method: 'POST',
      headers: { Authorization: 'Bearer nope' },
      body: 'x',
    })
    expect(wrong.status).toBe(403)
    expect(await codeOf(wrong)).toBe('FORBIDDEN')
    const basic = await req('/v1/blobs', {
      method: 'POST',
      headers: { Authorization: 'Basic abc' },
      body: 'x',
    })
    expect(basic.status).toBe(401)
  })
})

describe('GET/HEAD /v1/blobs/{digest}', () => {
  const prepared = async () => {
    const ctx = setup()
    const data = bytesOf(1000, 3)
    const { body } = await ctx.upload(data)
    return { ...ctx, data, digest: body.digest, url: `/v1/blobs/${body.digest}` }
  }

  it('serves the bytes with ETag = digest, Accept-Ranges and immutable caching', async () => {
    const { req, url, data, digest } = await prepared()
    const res = await req(url)
    expect(res.status).toBe(200)
    expect(res.headers.get('etag')).toBe(`"${digest}"`)
    expect(res.headers.get('accept-ranges')).toBe('bytes')
    expect(res.headers.get('content-length')).toBe('1000')
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable')
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(data)
  })

  it('answers HEAD with the headers and no body', async () => {
    const { req, url, digest } = await prepared()
    const res = await req(url, { method: 'HEAD' })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-length')).toBe('1000')
    expect(res.headers.get('etag')).toBe(`"${digest}"`)
    expect((await res.arrayBuffer()).byteLength).toBe(0)
  })

  it('serves byte ranges with 206 and Content-Range', async () => {
    const { req, url, data } = await prepared()
    const cases: [string, number, number][] = [
      ['bytes=0-9', 0, 9],
      ['bytes=990-', 990, 999],
      ['bytes=-5', 995, 999],
      ['bytes=500-5000', 500, 999],
    ]
    for (const [range, start, end] of cases) {
      const res = await req(url, { headers: { Range: range } })
      expect(res.status).toBe(206)
      expect(res.headers.get('content-range')).toBe(`bytes ${start}-${end}/1000`)
      expect(res.headers.get('content-length')).toBe(String(end - start + 1))
      expect(new Uint8Array(await res.arrayBuffer())).toEqual(data.subarray(start, end + 1))
    }
    const head = await req(url, { method: 'HEAD', headers: { Range: 'bytes=0-9' } })
    expect(head.status).toBe(206)
    expect(head.headers.get('content-length')).toBe('10')
  })

  it('answers 416 with Content-Range */size for unsatisfiable ranges', async () => {
    const { req, url } = await prepared()
    for (const range of ['bytes=1000-', 'bytes=5000-6000', 'bytes=-0']) {
      const res = await req(url, { headers: { Range: range } })
      expect(res.status).toBe(416)
      expect(res.headers.get('content-range')).toBe('bytes */1000')
      expect(await codeOf(res)).toBe('RANGE_NOT_SATISFIABLE')
    }
  })

  it('ignores ranges it does not honour (multi-range, bad syntax, stale If-Range)', async () => {
    const { req, url } = await prepared()
    for (const headers of [
      { Range: 'bytes=0-1,5-6' } as Record<string, string>,
      { Range: 'lines=1-2' },
      { Range: 'bytes=9-1' },
      { Range: 'bytes=0-9', 'If-Range': '"sha256:other"' },
    ]) {
      const res = await req(url, { headers })
      expect(res.status).toBe(200)
      expect((await res.arrayBuffer()).byteLength).toBe(1000)
    }
  })

  it('answers 304 to a matching If-None-Match', async () => {
    const { req, url, digest } = await prepared()
    const res = await req(url, { headers: { 'If-None-Match': `"${digest}"` } })
    expect(res.status).toBe(304)
    expect(res.headers.get('etag')).toBe(`"${digest}"`)
  })

  it('answers 404 BLOB_NOT_FOUND and 400 INVALID_DIGEST', async () => {
    const { req } = await prepared()
    const missing = await req(`/v1/blobs/${digestOf(bytesOf(2))}`)
    expect(missing.status).toBe(404)
    expect(await codeOf(missing)).toBe('BLOB_NOT_FOUND')
    for (const d of ['sha256:abc', 'nothing', `sha256:${'g'.repeat(64)}`, '..%2F..%2Fetc%2Fpasswd']) {
      const res = await req(`/v1/blobs/${d}`)
      expect(res.status).toBe(400)
      expect(await codeOf(res)).toBe('INVALID_DIGEST')
    }
    expect((await req(`/v1/blobs/${digestOf(bytesOf(2))}`, { method: 'HEAD' })).status).toBe(404)
  })
})
