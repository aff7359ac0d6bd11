import { describe, expect, it } from 'vitest'
import { auth, bytesOf, codeOf, draftFor, setup } from './fixture.suite.js'

describe('publishing and reading versions', () => {
  it('assigns versions 1, 2, … and serves immutable manifests with an ETag', async () => {
    const { publishBytes, req } = setup({ now: () => new Date('2026-11-26T00:00:00Z') })
    expect(await publishBytes('digits', bytesOf(100))).toBe(1)
    expect(await publishBytes('digits', bytesOf(100), { metadata: { note: 'labels changed' } })).toBe(2)
    const res = await req('/v1/models/digits/versions/2')
    expect(res.status).toBe(200)
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable')
    const m = (await res.json()) as Record<string, unknown>
    expect(m).toMatchObject({
      name: 'digits',
      version: 2,
      createdAt: '2026-11-26T00:00:00.000Z',
      schemaVersion: 1,
    })
    const etag = res.headers.get('etag')!
    expect(etag).toMatch(/^"[0-9a-f]{32}"$/)
    const again = await req('/v1/models/digits/versions/2', { headers: { 'If-None-Match': etag } })
    expect(again.status).toBe(304)
    const v1 = await req('/v1/models/digits/versions/1')
    expect(v1.headers.get('etag')).not.toBe(etag)
  })

  it('gives 20 concurrent publishes 20 distinct versions', async () => {
    const { upload, publish } = setup()
    const { body } = await upload(bytesOf(64))
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        publish('race', draftFor(body.digest, body.size, { metadata: { i } })),
      ),
    )
    const versions = await Promise.all(
      answers.map(async (r) => ((await r.json()) as { version: number }).version),
    )
    expect(answers.every((r) => r.status === 201)).toBe(true)
    expect(versions.sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1))
  })

  it('lists models and details versions with sizes and aliases', async () => {
    const { publishBytes, req, setAlias } = setup()
    await publishBytes('b-model', bytesOf(10))
    await publishBytes('a-model', bytesOf(20))
    await publishBytes('a-model', bytesOf(30))
    expect((await setAlias('a-model', 'stable', 1)).status).toBe(200)
    const list = await (await req('/v1/models')).json()
    expect(list).toEqual({
      models: [
        { name: 'a-model', latestVersion: 2, aliases: { stable: 1 } },
        { name: 'b-model', latestVersion: 1, aliases: {} },
      ],
    })
    const detail = (await (await req('/v1/models/a-model')).json()) as {
      versions: { version: number; size: number; createdAt: string }[]
    }
    expect(detail).toMatchObject({ name: 'a-model', aliases: { stable: 1 } })
    expect(detail.versions.map((v) => [v.version, v.size])).toEqual([
      [1, 20],
      [2, 30],
    ])
    const missing = await req('/v1/models/nope')
    expect(missing.status).toBe(404)
    expect(await codeOf(missing)).toBe('MODEL_NOT_FOUND')
  })

  it('answers 404 for unknown models and versions', async () => {
    const { publishBytes, req } = setup()
    await publishBytes('m', bytesOf(10))
    const v = await req('/v1/models/m/versions/7')
    expect(v.status).toBe(404)
    expect(await codeOf(v)).toBe('VERSION_NOT_FOUND')
    const m = await req('/v1/models/other/versions/1')
    expect(m.status).toBe(404)
    expect(await codeOf(m)).toBe('MODEL_NOT_FOUND')
  })

  it('refuses non-integer versions with 400 INVALID_VERSION', async () => {
    const { publishBytes, req } = setup()
    await publishBytes('m', bytesOf(10))
    for (const v of ['1.5', 'abc', '0', '-1', '01', '1e3', '99999999999999999999', '%20']) {
      for (const method of ['GET', 'DELETE']) {
        const res = await req(`/v1/models/m/versions/${v}`, { method, headers: auth })
        expect(res.status, `${method} ${v}`).toBe(400)
        expect(await codeOf(res)).toBe('INVALID_VERSION')
      }
    }
  })

  it('refuses bad names with 400 INVALID_NAME', async () => {
    const { req, upload, publish } = setup()
    const { body } = await upload(bytesOf(8))
    const draft = draftFor(body.digest, body.size)
    for (const name of [
      'a..b',
      '..a',
      'a%2Fb',
      '%2E%2E%2Fetc',
      'Upper',
      'x'.repeat(65),
      '-lead',
      '.hidden',
      'a%00b',
    ]) {
      const pub = await publish(name, draft)
      expect(pub.status, name).toBe(400)
      expect(await codeOf(pub)).toBe('INVALID_NAME')
      for (const path of [
        `/v1/models/${name}`,
        `/v1/models/${name}/versions/1`,
        `/v1/models/${name}/aliases/latest`,
      ]) {
        const res = await req(path)
        expect(res.status, path).toBe(400)
        expect(await codeOf(res)).toBe('INVALID_NAME')
      }
    }
    expect(await (await req('/v1/models')).json()).toEqual({ models: [] })
  })

  it('refuses bad manifests with coded 4xx and publishes nothing', async () => {
    const { req, upload, publish } = setup({ limits: { maxManifestBytes: 4096 } })
    const { body } = await upload(bytesOf(8))
    const good = draftFor(body.digest, body.size)
    const { inputs: _inputs, ...noInputs } = good
    const bad: [string, unknown, number, string][] = [
      ['missing fields', noInputs, 400, 'INVALID_MANIFEST'],
      [
        'unknown dtype',
        { ...good, inputs: [{ name: 'x', dtype: 'float128', shape: [1] }] },
        400,
        'INVALID_MANIFEST',
      ],
      ['empty files', { ...good, files: [] }, 400, 'INVALID_MANIFEST'],
      [
        'path traversal',
        { ...good, files: [{ ...good.files[0], path: '../../etc/passwd' }] },
        400,
        'INVALID_MANIFEST',
      ],
      [
        'absolute path',
        { ...good, files: [{ ...good.files[0], path: '/etc/passwd' }] },
        400,
        'INVALID_MANIFEST',
      ],
      ['unknown blob', draftFor(`sha256:${'0'.repeat(64)}`, 8), 422, 'BLOB_MISSING'],
      ['wrong size', draftFor(body.digest, 9), 422, 'BLOB_MISSING'],
      ['other name', { ...good, name: 'other' }, 400, 'INVALID_MANIFEST'],
      ['not an object', [1, 2], 400, 'INVALID_MANIFEST'],
      ['too large', { ...good, metadata: { pad: 'x'.repeat(5000) } }, 413, 'PAYLOAD_TOO_LARGE'],
    ]
    for (const [what, draft, status, code] of bad) {
      const res = await publish('m', draft)
      expect(res.status, what).toBe(status)
      expect(await codeOf(res), what).toBe(code)
    }
    for (const text of ['{', '', 'nul', '{"a":1}}']) {
      const res = await req('/v1/models/m/versions', { method: 'POST', headers: auth, body: text })
      expect(res.status).toBe(400)
      expect(await codeOf(res)).toBe('INVALID_JSON')
    }
    expect((await req('/v1/models/m')).status).toBe(404)
    expect((await publish('m', good)).status).toBe(201)
    expect(await (await req('/v1/models/m/versions/1')).json()).toMatchObject({ version: 1 })
  })

  it('deletes versions (409 ALIAS_IN_USE while aliased) and never reuses their numbers', async () => {
    const { publishBytes, req, setAlias } = setup()
    await publishBytes('m', bytesOf(10))
    await publishBytes('m', bytesOf(10))
    await setAlias('m', 'stable', 2)
    const del = () => req('/v1/models/m/versions/2', { method: 'DELETE', headers: auth })
    const busy = await del()
    expect(busy.status).toBe(409)
    expect(await codeOf(busy)).toBe('ALIAS_IN_USE')
    expect((await req('/v1/models/m/aliases/stable', { method: 'DELETE', headers: auth })).status).toBe(204)
    expect((await del()).status).toBe(204)
    const gone = await del()
    expect(gone.status).toBe(404)
    expect(await codeOf(gone)).toBe('VERSION_NOT_FOUND')
    expect((await req('/v1/models/m/versions/2')).status).toBe(404)
    expect(((await (await req('/v1/models/m/aliases/latest')).json()) as { version: number }).version).toBe(1)
    expect(await publishBytes('m', bytesOf(10))).toBe(3)
    const noAuth = await req('/v1/models/m/versions/1', { method: 'DELETE' })
    expect(noAuth.status).toBe(401)
  })
})
