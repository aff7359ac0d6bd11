import { describe, expect, it } from 'vitest'
import { auth, bytesOf, codeOf, setup } from './fixture.suite.js'

const versionOf = async (res: Response) => ((await res.json()) as { version: number }).version

describe('aliases', () => {
  it('resolves the built-in latest to the highest version, with no-cache, ETag and 304', async () => {
    const { publishBytes, req } = setup()
    await publishBytes('m', bytesOf(10))
    const first = await req('/v1/models/m/aliases/latest')
    expect(first.status).toBe(200)
    expect(first.headers.get('cache-control')).toBe('no-cache')
    expect(first.headers.get('content-location')).toBe('/v1/models/m/versions/1')
    const etag = first.headers.get('etag')!
    expect(await versionOf(first)).toBe(1)
    const same = await req('/v1/models/m/aliases/latest', { headers: { 'If-None-Match': etag } })
    expect(same.status).toBe(304)
    expect(same.headers.get('etag')).toBe(etag)
    await publishBytes('m', bytesOf(10))
    const moved = await req('/v1/models/m/aliases/latest', { headers: { 'If-None-Match': etag } })
    expect(moved.status).toBe(200)
    expect(await versionOf(moved)).toBe(2)
    // The alias answer carries the same ETag as the version it resolves to.
    const v2 = await req('/v1/models/m/versions/2')
    expect(moved.headers.get('etag')).toBe(v2.headers.get('etag'))
  })

  it('sets, moves and deletes aliases', async () => {
    const { publishBytes, req, setAlias } = setup()
    await publishBytes('m', bytesOf(10))
    await publishBytes('m', bytesOf(10))
    const put = await setAlias('m', 'stable', 1)
    expect(put.status).toBe(200)
    expect(await put.json()).toEqual({ name: 'm', alias: 'stable', version: 1 })
    expect(await versionOf(await req('/v1/models/m/aliases/stable'))).toBe(1)
    await setAlias('m', 'stable', 2)
    expect(await versionOf(await req('/v1/models/m/aliases/stable'))).toBe(2)
    expect((await req('/v1/models/m/aliases/stable', { method: 'DELETE', headers: auth })).status).toBe(204)
    const gone = await req('/v1/models/m/aliases/stable')
    expect(gone.status).toBe(404)
    expect(await codeOf(gone)).toBe('ALIAS_NOT_FOUND')
    const again = await req('/v1/models/m/aliases/stable', { method: 'DELETE', headers: auth })
    expect(again.status).toBe(404)
  })

  it('refuses to set or delete latest, bad aliases, bad bodies and unknown versions', async () => {
    const { publishBytes, req, setAlias } = setup()
    await publishBytes('m', bytesOf(10))
    const latest = await setAlias('m', 'latest', 1)
    expect(latest.status).toBe(400)
    expect(await codeOf(latest)).toBe('INVALID_ALIAS')
    expect((await req('/v1/models/m/aliases/latest', { method: 'DELETE', headers: auth })).status).toBe(400)
    for (const alias of ['3', 'Stable', 'a..b', 'a%2Fb', 'x'.repeat(65)]) {
      const res = await setAlias('m', alias, 1)
      expect(res.status, alias).toBe(400)
      expect(await codeOf(res)).toBe('INVALID_ALIAS')
      expect((await req(`/v1/models/m/aliases/${alias}`)).status).toBe(400)
    }
    for (const version of ['1', 1.5, 0, -1, null]) {
      const res = await setAlias('m', 'stable', version)
      expect(res.status).toBe(400)
      expect(await codeOf(res)).toBe('INVALID_VERSION')
    }
    const bad = await req('/v1/models/m/aliases/stable', { method: 'PUT', headers: auth, body: '{nope' })
    expect(await codeOf(bad)).toBe('INVALID_JSON')
    const unknown = await setAlias('m', 'stable', 9)
    expect(unknown.status).toBe(404)
    expect(await codeOf(unknown)).toBe('VERSION_NOT_FOUND')
    const noModel = await setAlias('other', 'stable', 1)
    expect(await codeOf(noModel)).toBe('MODEL_NOT_FOUND')
    const noToken = await req('/v1/models/m/aliases/stable', { method: 'PUT', body: '{"version":1}' })
    expect(noToken.status).toBe(401)
    const wrong = await req('/v1/models/m/aliases/stable', {
      method: 'PUT',
      headers: { Authorization: 'Bearer wrong' },
      body: '{"version":1}',
    })
    expect(wrong.status).toBe(403)
    expect(await (await req('/v1/models/m')).json()).toMatchObject({ aliases: {} })
  })

  it('answers 404 for unknown models and aliases', async () => {
    const { publishBytes, req } = setup()
    expect(await codeOf(await req('/v1/models/none/aliases/latest'))).toBe('MODEL_NOT_FOUND')
    expect(await codeOf(await req('/v1/models/none/aliases/stable'))).toBe('MODEL_NOT_FOUND')
    await publishBytes('m', bytesOf(10))
    expect(await codeOf(await req('/v1/models/m/aliases/beta'))).toBe('ALIAS_NOT_FOUND')
  })
})
