// Self-checks of the e2e fixture layer (no browser needed): the real registry and publishing, the static
// servers (MIME, CORS, two origins), and the misbehaving proxy. Runs in the `wasm` project only.
import { createHash } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { catalog, expect, startStaticServer, test } from '../fixtures/index.js'

test.skip(({ backend }) => backend !== 'wasm', 'Node-side checks; once is enough')

test('the catalog is published with signatures read from the ONNX files', async ({ registry, published }) => {
  const health = await fetch(`${registry.url}/v1/health`)
  expect(health.status).toBe(200)
  const vad = published.sileroVad.manifest
  expect(vad.inputs.map((i) => [i.name, i.dtype, i.shape.length])).toEqual([
    ['input', 'float32', 2],
    ['sr', 'int64', 0],
    ['h', 'float32', 3],
    ['c', 'float32', 3],
  ])
  expect(vad.outputs.map((o) => o.name)).toEqual(['output', 'hn', 'cn'])
  const det = published.ocrDet.manifest
  expect(det.inputs[0]!.shape.filter((d) => typeof d === 'string').length).toBe(3)
  const alias = await fetch(`${registry.url}/v1/models/${catalog.ocrCls.name}/aliases/stable`)
  expect(((await alias.json()) as { version: number }).version).toBe(published.ocrCls.version)
})

test('static servers: MIME types, CORS, two origins', async ({ site, cdn }) => {
  expect(site.origin).not.toBe(cdn.origin)
  const dir = await mkdtemp(path.join(tmpdir(), 'ferry-e2e-static-'))
  try {
    await writeFile(path.join(dir, 'a.wasm'), new Uint8Array([0, 97, 115, 109]))
    await writeFile(path.join(dir, 'b.mjs'), 'export {}')
    const s = await startStaticServer({ mounts: { '/x/': dir }, isolated: true })
    try {
      const wasm = await fetch(`${s.origin}/x/a.wasm`)
      expect(wasm.headers.get('content-type')).toBe('application/wasm')
      expect(wasm.headers.get('access-control-allow-origin')).toBe('*')
      expect(wasm.headers.get('cross-origin-embedder-policy')).toBe('require-corp')
      expect((await fetch(`${s.origin}/x/b.mjs`)).headers.get('content-type')).toMatch(/^text\/javascript/)
      expect((await fetch(`${s.origin}/x/../package.json`)).status).toBe(404)
      expect((await fetch(`${s.origin}/x/missing.js`)).status).toBe(404)
    } finally {
      await s.close()
    }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
  const page = await fetch(`${cdn.origin}/pages/harness.js`)
  expect(page.status).toBe(200)
})

test('the registry proxy tampers, fails and cuts on demand', async ({ registryProxy, published }) => {
  const { digest, size } = published.ocrCls.manifest.files[0]!
  const sha = async (res: Response) =>
    `sha256:${createHash('sha256')
      .update(new Uint8Array(await res.arrayBuffer()))
      .digest('hex')}`
  const p = await registryProxy()
  expect(await sha(await fetch(`${p.url}/v1/blobs/${digest}`))).toBe(digest)
  p.set({ tamper: (path) => path.startsWith('/v1/blobs/') })
  const tampered = await fetch(`${p.url}/v1/blobs/${digest}`)
  expect(tampered.status).toBe(200)
  expect(await sha(tampered)).not.toBe(digest)
  p.set({ failStatus: 503 })
  expect((await fetch(`${p.url}/v1/health`)).status).toBe(503)
  p.set({ cutAfterBytes: 1000 })
  await expect(fetch(`${p.url}/v1/blobs/${digest}`).then((r) => r.arrayBuffer())).rejects.toThrow()
  p.set({})
  const ranged = await fetch(`${p.url}/v1/blobs/${digest}`, { headers: { Range: 'bytes=1000-' } })
  expect(ranged.status).toBe(206)
  expect((await ranged.arrayBuffer()).byteLength).toBe(size - 1000)
  expect(p.log.at(-1)).toBe(`GET /v1/blobs/${digest} range=bytes=1000-`)
})
