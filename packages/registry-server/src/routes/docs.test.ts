import { describe, expect, it } from 'vitest'
import type { openApiDocument } from '../openapi.js'
import { setup } from './fixture.suite.js'

describe('API description', () => {
  it('serves an OpenAPI 3.1 document naming every registry route', async () => {
    const { app, req } = setup()
    const res = await req('/v1/openapi.json')
    expect(res.status).toBe(200)
    const doc = (await res.json()) as typeof openApiDocument
    expect(doc.openapi).toBe('3.1.0')
    // Every route the app answers is described, with its method.
    const described = new Set(
      Object.entries(doc.paths).flatMap(([p, ops]) =>
        Object.keys(ops).map((m) => `${m.toUpperCase()} ${p.replace(/\{(\w+)\}/g, ':$1')}`),
      ),
    )
    for (const r of app.routes) {
      if (r.method === 'ALL') continue
      expect(described, `${r.method} ${r.path}`).toContain(`${r.method} ${r.path}`)
    }
  })

  it('serves a self-contained docs page', async () => {
    const { req } = setup()
    const res = await req('/v1/docs')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/text\/html/)
    const html = await res.text()
    expect(html).toContain('/v1/models/{name}/aliases/{alias}')
    expect(html).toContain('DELETE')
    expect(html).not.toMatch(/<script|https?:\/\/(?!localhost)/)
  })
})
