// Hostile JSON bodies on every route that parses one: deep nesting, prototype keys, non-finite numbers.
// Each gets a coded 400 with a message that says what is wrong, never a 500 or a silently altered document.
import { describe, expect, it } from 'vitest'
import { auth, bytesOf, codeOf, draftFor, setup } from './fixture.suite.js'

const ts = 1_764_115_200_000
/** `{"a":{"a":…{}}}` nested `levels` deep, as text. */
const nestedJson = (levels: number) => `${'{"a":'.repeat(levels)}{}${'}'.repeat(levels)}`
const postJson = (req: ReturnType<typeof setup>['req'], path: string, text: string, method = 'POST') =>
  req(path, { method, headers: { ...auth, 'Content-Type': 'application/json' }, body: text })
const message = async (res: Response) => ((await res.json()) as { error: { message: string } }).error.message

describe('JSON request bodies', () => {
  it('answers 400 INVALID_MANIFEST to metadata nested 4,100 levels (the probe got a 500) and publishes nothing', async () => {
    const { req, upload } = setup()
    const { body } = await upload(bytesOf(8))
    const draft = JSON.stringify(draftFor(body.digest, body.size))
    for (const levels of [4100, 150_000]) {
      const text = draft.replace(/}$/, `,"metadata":${nestedJson(levels)}}`)
      const res = await postJson(req, '/v1/models/deep/versions', text)
      expect(res.status).toBe(400)
      const err = ((await res.json()) as { error: { code: string; message: string } }).error
      expect(err.code).toBe('INVALID_MANIFEST')
      expect(err.message).toMatch(/nests deeper than 32 levels/)
    }
    expect((await req('/v1/models/deep')).status).toBe(404)
  })

  it('refuses __proto__ and constructor keys in metadata naming the key (they were silently dropped)', async () => {
    const { req, upload } = setup()
    const { body } = await upload(bytesOf(8))
    const draft = JSON.stringify(draftFor(body.digest, body.size))
    for (const [metadata, key, where] of [
      ['{"__proto__":{"polluted":true},"note":"x"}', '__proto__', 'metadata.__proto__'],
      ['{"labels":{"constructor":{"prototype":{"x":1}}}}', 'constructor', 'metadata.labels.constructor'],
    ]) {
      const res = await postJson(
        req,
        '/v1/models/proto/versions',
        draft.replace(/}$/, `,"metadata":${metadata}}`),
      )
      expect(res.status).toBe(400)
      expect(await codeOf(res.clone())).toBe('INVALID_MANIFEST')
      expect(await message(res)).toContain(`key "${key}" is not allowed (at ${where})`)
    }
    expect((await req('/v1/models/proto')).status).toBe(404)
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })

  it('answers 400, not 500, to a deeply nested alias body', async () => {
    const { req, publishBytes } = setup()
    await publishBytes('m', bytesOf(8))
    const res = await postJson(req, '/v1/models/m/aliases/stable', nestedJson(150_000), 'PUT')
    expect(res.status).toBe(400)
    expect(await codeOf(res)).toBe('INVALID_VERSION')
  })

  it('refuses telemetry with ts 1e999 (was accepted) and survives deeply nested telemetry', async () => {
    const { req } = setup()
    const event = { type: 'error', code: 'SHAPE_MISMATCH', ts }
    const batchText = (eventsJson: string) =>
      `{"client":{"id":"c","runtime":"0.1.0","env":"browser"},"events":${eventsJson}}`
    const infinite = await postJson(
      req,
      '/v1/telemetry',
      batchText(JSON.stringify([event]).replace(String(ts), '1e999')),
    )
    expect(infinite.status).toBe(400)
    expect(await codeOf(infinite.clone())).toBe('INVALID_TELEMETRY')
    expect(await message(infinite)).toMatch(/events\.0\.ts: ts must be a finite time/)
    const deep = await postJson(req, '/v1/telemetry', batchText(`[${nestedJson(40_000)}]`))
    expect(deep.status).toBe(400)
    expect(await codeOf(deep)).toBe('INVALID_TELEMETRY')
    expect((await postJson(req, '/v1/telemetry', batchText(JSON.stringify([event])))).status).toBe(202)
  })
})
