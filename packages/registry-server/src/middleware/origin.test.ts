// Write calls from browser pages on other origins are refused unless allowed; reads, telemetry and
// non-browser clients are untouched (the rule of Go's http.CrossOriginProtection).
import { describe, expect, it } from 'vitest'
import { createRegistryApp } from '../app.js'
import { auth, bytesOf, setup, TOKEN } from '../routes/fixture.suite.js'
import { createMemoryStore } from '../store/memory.js'

const PAGE = 'http://app.example.com'
const from = (origin: string | undefined, site: string | undefined, host = 'localhost') => ({
  host,
  ...(origin === undefined ? {} : { origin }),
  ...(site === undefined ? {} : { 'sec-fetch-site': site }),
})
const uploadFrom = (r: ReturnType<typeof setup>['req'], headers: Record<string, string>) =>
  r('/v1/blobs', { method: 'POST', headers: { ...auth, ...headers }, body: bytesOf(10) as BodyInit })

describe('write calls from browser pages', () => {
  it('refuses every write from a cross-site or same-site page with 403 FORBIDDEN, even with a token', async () => {
    const { req, publishBytes } = setup()
    await publishBytes('m', bytesOf(20))
    const writes: [string, string, string?][] = [
      ['POST', '/v1/blobs', 'x'],
      ['POST', '/v1/models/m/versions', '{}'],
      ['PUT', '/v1/models/m/aliases/stable', '{"version":1}'],
      ['DELETE', '/v1/models/m/aliases/stable'],
      ['DELETE', '/v1/models/m/versions/1'],
    ]
    for (const site of ['cross-site', 'same-site']) {
      for (const [method, path, body] of writes) {
        const res = await req(path, {
          method,
          headers: { ...auth, ...from(PAGE, site), 'content-type': 'text/plain' },
          ...(body === undefined ? {} : { body }),
        })
        expect(res.status, `${site} ${method} ${path}`).toBe(403)
        expect(res.headers.get('access-control-allow-origin')).toBe('*')
        const { error } = (await res.json()) as { error: { code: string; message: string } }
        expect(error.code).toBe('FORBIDDEN')
        expect(error.message).toContain(`--cors-write-origin ${PAGE}`)
      }
    }
    expect((await req('/v1/models/m/versions/1', { headers: from(PAGE, 'cross-site') })).status).toBe(200)
  })

  it('refuses an Origin of another host where no Sec-Fetch-Site is sent (older browsers), and a null origin', async () => {
    const { req } = setup()
    expect((await uploadFrom(req, from(PAGE, undefined))).status).toBe(403)
    expect((await uploadFrom(req, from('null', undefined))).status).toBe(403)
    expect(
      (
        await uploadFrom(
          req,
          from('http://registry.example.com:8080', undefined, 'registry.example.com:8080'),
        )
      ).status,
    ).toBe(201)
  })

  it('lets same-origin pages, typed-in requests and non-browser clients (CLI, curl) write', async () => {
    const { req } = setup()
    expect((await uploadFrom(req, from('http://localhost', 'same-origin'))).status).toBe(201)
    expect((await uploadFrom(req, from(undefined, 'none'))).status).toBe(201)
    expect((await uploadFrom(req, from(undefined, undefined))).status).toBe(201)
  })

  it('keeps telemetry open to every origin', async () => {
    const { req } = setup()
    const res = await req('/v1/telemetry', {
      method: 'POST',
      headers: { ...from(PAGE, 'cross-site'), 'content-type': 'text/plain' },
      body: JSON.stringify({ client: { id: 'c', runtime: '0.1.0', env: 'browser' }, events: [] }),
    })
    expect(res.status).toBe(202)
  })

  it('lets origins in corsWriteOrigins write, and tells their preflights which methods they may use', async () => {
    const { req } = setup({ corsWriteOrigins: [`${PAGE}/`] })
    expect((await uploadFrom(req, from(PAGE, 'cross-site'))).status).toBe(201)
    expect((await uploadFrom(req, from('http://other.example.com', 'cross-site'))).status).toBe(403)
    const preflight = (origin: string) =>
      req('/v1/models/m/aliases/stable', {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'PUT' },
      })
    expect((await preflight(PAGE)).headers.get('access-control-allow-methods')).toContain('PUT')
    expect((await preflight('http://other.example.com')).headers.get('access-control-allow-methods')).toBe(
      'GET, HEAD, OPTIONS',
    )
    const any = setup({ corsWriteOrigins: ['*'] })
    expect((await uploadFrom(any.req, from('http://anywhere.example', 'cross-site'))).status).toBe(201)
  })

  it('refuses an allow-list entry that is not an origin', () => {
    for (const bad of ['app.example.com', 'https://app.example.com/path', 'null'])
      expect(() =>
        createRegistryApp({ store: createMemoryStore(), tokens: [TOKEN], corsWriteOrigins: [bad] }),
      ).toThrow(/is not an origin/)
  })
})
