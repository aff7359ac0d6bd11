import { describe, expect, it } from 'vitest'
import { auth, bytesOf, codeOf, digestOf, setup, TOKEN } from './routes/fixture.suite.js'

describe('registry app', () => {
  it('answers health', async () => {
    const { req } = setup()
    const res = await req('/v1/health')
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ status: 'ok' })
  })

  it('answers unknown routes with 404 NOT_FOUND as JSON', async () => {
    const { req } = setup()
    for (const path of ['/', '/v2/models', '/v1/models/m/other', '/v1/blobs/a/b']) {
      const res = await req(path)
      expect(res.status).toBe(404)
      expect(res.headers.get('content-type')).toMatch(/application\/json/)
      expect(await codeOf(res)).toBe('NOT_FOUND')
    }
  })

  it('keeps reads open by default and can require a token for them', async () => {
    const open = setup()
    expect((await open.req('/v1/models')).status).toBe(200)
    const closed = setup({ readAuth: true })
    const none = await closed.req('/v1/models')
    expect(none.status).toBe(401)
    expect(await codeOf(none)).toBe('UNAUTHORIZED')
    expect((await closed.req('/v1/models', { headers: { Authorization: 'Bearer x' } })).status).toBe(403)
    expect((await closed.req('/v1/models', { headers: auth })).status).toBe(200)
    expect((await closed.req(`/v1/blobs/${digestOf(bytesOf(1))}`, { method: 'HEAD' })).status).toBe(401)
    expect((await closed.req('/v1/health')).status).toBe(200)
  })

  it('refuses every write when no token is configured', async () => {
    const { req } = setup({ tokens: [] })
    const res = await req('/v1/blobs', { method: 'POST', headers: auth, body: 'x' })
    expect(res.status).toBe(403)
    expect(await codeOf(res)).toBe('FORBIDDEN')
  })

  it('accepts any of several tokens', async () => {
    const { req } = setup({ tokens: ['first', TOKEN] })
    const res = await req('/v1/blobs', {
      method: 'POST',
      headers: { Authorization: 'Bearer first' },
      body: 'x',
    })
    expect(res.status).toBe(201)
  })

  it('opens CORS for reads, exposing the caching and range headers', async () => {
    const { req, upload } = setup()
    const { body } = await upload(bytesOf(10))
    const res = await req(`/v1/blobs/${body.digest}`, { headers: { Origin: 'https://app.example' } })
    expect(res.headers.get('access-control-allow-origin')).toBe('*')
    const exposed = res.headers.get('access-control-expose-headers') ?? ''
    for (const h of ['ETag', 'Content-Range', 'Content-Length', 'Accept-Ranges']) expect(exposed).toContain(h)
    const pre = await req(`/v1/blobs/${body.digest}`, {
      method: 'OPTIONS',
      headers: { Origin: 'https://app.example', 'Access-Control-Request-Method': 'GET' },
    })
    expect(pre.status).toBe(204)
    expect(pre.headers.get('access-control-allow-methods')).not.toContain('POST')
    expect(pre.headers.get('access-control-allow-headers')).toContain('Range')
    const tele = await req('/v1/telemetry', {
      method: 'OPTIONS',
      headers: { Origin: 'https://app.example', 'Access-Control-Request-Method': 'POST' },
    })
    expect(tele.headers.get('access-control-allow-methods')).toContain('POST')
  })

  it('fails slow requests with 408 TIMEOUT and stores nothing', async () => {
    const { req } = setup({ limits: { requestTimeoutMs: 100 } })
    const data = bytesOf(100)
    const stalled = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(data)
      },
    })
    const res = await req('/v1/blobs', {
      method: 'POST',
      headers: auth,
      body: stalled,
      duplex: 'half',
    } as RequestInit)
    expect(res.status).toBe(408)
    expect(await codeOf(res)).toBe('TIMEOUT')
    expect((await req(`/v1/blobs/${digestOf(data)}`, { method: 'HEAD' })).status).toBe(404)
    expect((await req('/v1/health')).status).toBe(200)
  })

  it('exposes its own series on /metrics, labelled by route pattern', async () => {
    const { req, upload } = setup()
    const { body } = await upload(bytesOf(1000))
    await req(`/v1/blobs/${body.digest}`).then((r) => r.arrayBuffer())
    await req(`/v1/blobs/${body.digest}`, { headers: { Range: 'bytes=0-99' } }).then((r) => r.arrayBuffer())
    await req(`/v1/blobs/${digestOf(bytesOf(3))}`)
    await req('/no/such/route/1')
    await req('/no/such/route/2')
    const res = await req('/metrics')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/)
    const text = await res.text()
    expect(text).toContain('ferry_http_requests_total{route="/v1/blobs/:digest",method="GET",status="200"} 1')
    expect(text).toContain('ferry_http_requests_total{route="/v1/blobs/:digest",method="GET",status="206"} 1')
    expect(text).toContain('ferry_http_requests_total{route="/v1/blobs/:digest",method="GET",status="404"} 1')
    expect(text).toContain('ferry_http_requests_total{route="/v1/blobs",method="POST",status="201"} 1')
    expect(text).toContain('ferry_http_requests_total{route="unmatched",method="GET",status="404"} 2')
    expect(text).toContain(
      'ferry_http_request_duration_seconds_count{route="/v1/blobs/:digest",method="GET"} 3',
    )
    expect(text).toContain('ferry_blob_bytes_served_total 1100')
    expect(text).not.toContain('sha256:')
  })

  it('keeps serving after every kind of bad input', async () => {
    const { req, publishBytes } = setup()
    await req('/v1/models/%2E%2E/versions', { method: 'POST', headers: auth, body: '{' })
    await req('/v1/blobs?digest=bad', { method: 'POST', headers: auth, body: 'x' })
    await req('/v1/models/m/versions/x')
    expect(await publishBytes('m', bytesOf(5))).toBe(1)
  })
})
