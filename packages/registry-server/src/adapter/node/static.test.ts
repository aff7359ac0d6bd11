// The playground served next to the API: files, app-shell fallback, and the API left untouched.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RunningRegistry, serve } from './index.js'

describe('serve({ staticRoot })', () => {
  let dir: string
  let reg: RunningRegistry
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ferry-static-'))
    await mkdir(join(dir, 'site', 'assets'), { recursive: true })
    await writeFile(join(dir, 'site', 'index.html'), '<!doctype html><title>shell</title>')
    await writeFile(join(dir, 'site', 'assets', 'x.wasm'), new Uint8Array([0, 97, 115, 109]))
    reg = await serve({ port: 0, storeDir: join(dir, 'store'), tokens: ['t'], staticRoot: join(dir, 'site') })
  })
  afterAll(async () => {
    await reg?.close()
    await rm(dir, { recursive: true, force: true })
  })

  it('serves the index, assets with their MIME type, and falls back to the shell', async () => {
    const index = await fetch(`${reg.url}/`)
    expect(index.status).toBe(200)
    expect(index.headers.get('cache-control')).toBe('no-cache')
    expect(await index.text()).toContain('shell')
    const wasm = await fetch(`${reg.url}/assets/x.wasm`)
    expect(wasm.headers.get('content-type')).toBe('application/wasm')
    expect((await fetch(`${reg.url}/models/digits`)).status).toBe(200)
    expect((await fetch(`${reg.url}/nope.js`)).status).toBe(404)
  })

  it('leaves the API to the registry', async () => {
    expect(await (await fetch(`${reg.url}/v1/health`)).json()).toEqual({ status: 'ok' })
    const missing = await fetch(`${reg.url}/v1/models/nope`)
    expect(missing.status).toBe(404)
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('MODEL_NOT_FOUND')
    expect((await fetch(`${reg.url}/metrics`)).headers.get('content-type')).toContain('text/plain')
  })
})
