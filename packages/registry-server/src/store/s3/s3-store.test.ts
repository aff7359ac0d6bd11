import { beforeAll, describe, expect, it } from 'vitest'
import { runAliasRaceSuite } from '../../routes/alias-race.suite.js'
import { ingestBlob } from '../ingest.js'
import { digestOf, readAll, runStoreSuite, sameBytes, streamOf } from '../store.suite.js'
import { ceph, cephStoreConfig } from './ceph.suite.js'
import { S3Client } from './client.js'
import { createS3Store } from './store.js'

// Ceph starts in the background of the run (scripts/ceph/vitest-setup.mjs); wait for it once, here.
beforeAll(() => ceph(), 150_000)

runStoreSuite('s3 (Ceph RGW)', async () => createS3Store(await cephStoreConfig()))
runAliasRaceSuite('s3 (Ceph RGW)', async () => createS3Store(await cephStoreConfig()), 60, 120_000, 20)

const MiB = 1024 * 1024
const bytes = (n: number, seed = 1) => {
  const out = new Uint8Array(n)
  for (let i = 0; i < n; i++) out[i] = (i * 131 + seed * 7 + (i >> 12)) & 0xff
  return out
}

/** What is under a store's staging: objects in tmp/ and multipart uploads not completed. */
async function leftovers(client: S3Client, prefix: string) {
  const keys: string[] = []
  for await (const o of client.list(`${prefix}tmp/`)) keys.push(o.key)
  for await (const u of client.listUploads(prefix)) keys.push(`upload ${u.key}`)
  return keys
}

describe('s3 driver on Ceph RGW', () => {
  it('streams a large blob as a multipart upload, with and without the digest known, and leaves no staging', async () => {
    const cfg = await cephStoreConfig({ partSize: 5 * MiB })
    const store = createS3Store(cfg)
    const client = new S3Client(cfg)
    const data = bytes(12 * MiB + 5)
    const known = await ingestBlob(store, streamOf(data, 256 * 1024), {
      maxBytes: 1 << 30,
      expectedDigest: digestOf(data),
    })
    expect(known).toEqual({ digest: digestOf(data), size: data.byteLength })
    const other = bytes(11 * MiB, 2)
    const unknown = await ingestBlob(store, streamOf(other, 300_000), { maxBytes: 1 << 30 })
    expect(unknown.digest).toBe(digestOf(other))
    expect(sameBytes(await readAll((await store.readBlob(known.digest))!), data)).toBe(true)
    const tail = await readAll((await store.readBlob(unknown.digest, { start: 6 * MiB, end: 11 * MiB - 1 }))!)
    expect(sameBytes(tail, other.subarray(6 * MiB))).toBe(true)
    expect(await leftovers(client, cfg.prefix)).toEqual([])
    // The same bytes again: nothing is stored twice, and nothing is left behind.
    await ingestBlob(store, streamOf(data, 1 << 20), { maxBytes: 1 << 30, expectedDigest: known.digest })
    expect(await leftovers(client, cfg.prefix)).toEqual([])
  })

  it('streams an upload with its digest and size announced into one PUT that S3 checks against the digest', async () => {
    const cfg = await cephStoreConfig({ partSize: 5 * MiB })
    const store = createS3Store(cfg)
    const client = new S3Client(cfg)
    const data = bytes(7 * MiB, 6)
    const announced = { maxBytes: 1 << 30, expectedDigest: digestOf(data), expectedSize: data.byteLength }
    expect(await ingestBlob(store, streamOf(data, 100_000), announced)).toEqual({
      digest: digestOf(data),
      size: data.byteLength,
    })
    expect(sameBytes(await readAll((await store.readBlob(digestOf(data)))!), data)).toBe(true)
    expect(await leftovers(client, cfg.prefix)).toEqual([])
    // Bytes that are not what was announced: refused by Ferry and by S3; nothing under either digest.
    const other = bytes(7 * MiB, 7)
    const wrong = { ...announced, expectedDigest: digestOf(bytes(7 * MiB, 8)) }
    await expect(ingestBlob(store, streamOf(other, 100_000), wrong)).rejects.toMatchObject({
      code: 'DIGEST_MISMATCH',
    })
    expect(await store.statBlob(wrong.expectedDigest)).toBeNull()
    expect(await store.statBlob(digestOf(other))).toBeNull()
    // A connection that drops half way.
    let sent = 0
    const failing = new ReadableStream<Uint8Array>({
      pull(c) {
        if (sent >= 3 * MiB) return c.error(new Error('connection reset'))
        c.enqueue(other.slice(sent, sent + MiB))
        sent += MiB
      },
    })
    const cut = { ...announced, expectedDigest: digestOf(other) }
    await expect(ingestBlob(store, failing, cut)).rejects.toMatchObject({ code: 'BAD_REQUEST' })
    expect(await store.statBlob(digestOf(other))).toBeNull()
    expect(await leftovers(client, cfg.prefix)).toEqual([])
  })

  it('shows nothing of an upload that fails after some parts, and aborts it', async () => {
    const cfg = await cephStoreConfig({ partSize: 5 * MiB })
    const store = createS3Store(cfg)
    const data = bytes(16 * MiB, 3)
    let sent = 0
    const failing = new ReadableStream<Uint8Array>({
      pull(c) {
        if (sent >= 11 * MiB) return c.error(new Error('connection reset'))
        c.enqueue(data.slice(sent, sent + MiB))
        sent += MiB
      },
    })
    const err = await ingestBlob(store, failing, { maxBytes: 1 << 30, expectedDigest: digestOf(data) }).catch(
      (e) => e,
    )
    expect(err.code).toBe('BAD_REQUEST')
    expect(await store.statBlob(digestOf(data))).toBeNull()
    expect(await leftovers(new S3Client(cfg), cfg.prefix)).toEqual([])
  })

  it('sweeps uploads a killed process left (staging objects and multipart uploads), by age', async () => {
    const cfg = await cephStoreConfig({ partSize: 5 * MiB })
    const store = createS3Store(cfg)
    const client = new S3Client(cfg)
    // What a process killed mid-upload leaves: a begun multipart upload with a part, a staging object.
    const id = await client.createUpload(`${cfg.prefix}blobs/sha256/${'a'.repeat(64)}`)
    await client.uploadPart(`${cfg.prefix}blobs/sha256/${'a'.repeat(64)}`, id, 1, bytes(5 * MiB))
    await client.ok({ method: 'PUT', key: `${cfg.prefix}tmp/crashed`, body: 'half' })
    expect(await leftovers(client, cfg.prefix)).toHaveLength(2)
    expect(await store.sweepStaging(60 * 60_000)).toBe(0)
    expect(await leftovers(client, cfg.prefix)).toHaveLength(2)
    await new Promise((r) => setTimeout(r, 1100))
    expect(await store.sweepStaging(1000)).toBe(2)
    expect(await leftovers(client, cfg.prefix)).toEqual([])
    expect(await store.statBlob(`sha256:${'a'.repeat(64)}`)).toBeNull()
  })

  it('asks the bucket once about a blob it has found, every time about one it has not', async () => {
    const heads: string[] = []
    const counting = (request: Request) => {
      if (request.method === 'HEAD') heads.push(new URL(request.url).pathname)
      return fetch(request)
    }
    const store = createS3Store(await cephStoreConfig({ fetch: counting }))
    const data = bytes(1000, 6)
    const absent = digestOf(bytes(1000, 7))
    expect(await store.statBlob(absent)).toBeNull()
    expect(await store.statBlob(absent)).toBeNull()
    expect(heads).toHaveLength(2)
    const { digest } = await ingestBlob(store, streamOf(data), { maxBytes: 1 << 30 })
    heads.length = 0
    for (let i = 0; i < 3; i++) expect(await store.statBlob(digest)).toEqual({ size: 1000 })
    expect(heads).toHaveLength(1)
  })

  it('serves a blob through a presigned URL, ranges included', async () => {
    const store = createS3Store(await cephStoreConfig())
    const data = bytes(70_000, 4)
    const { digest } = await ingestBlob(store, streamOf(data), { maxBytes: 1 << 30 })
    const url = await store.blobUrl!(digest, 60)
    expect(url).toContain('X-Amz-Signature=')
    const whole = await fetch(url)
    expect(whole.status).toBe(200)
    expect(sameBytes(new Uint8Array(await whole.arrayBuffer()), data)).toBe(true)
    const part = await fetch(url, { headers: { range: 'bytes=100-199' } })
    expect(part.status).toBe(206)
    expect(sameBytes(new Uint8Array(await part.arrayBuffer()), data.subarray(100, 200))).toBe(true)
    const tampered = await fetch(url.replace(/X-Amz-Signature=[0-9a-f]{4}/, 'X-Amz-Signature=0000'))
    expect(tampered.status).toBe(403)
  })

  it('redirects blob GETs to a presigned URL when the app is asked to (--blob-redirect)', async () => {
    const { createRegistryApp } = await import('../../app.js')
    const store = createS3Store(await cephStoreConfig())
    const data = bytes(50_000, 5)
    const { digest } = await ingestBlob(store, streamOf(data), { maxBytes: 1 << 30 })
    const app = createRegistryApp({ store, tokens: [], blobRedirect: { expiresInSeconds: 30 } })
    const res = await app.request(`/v1/blobs/${digest}`, { headers: { range: 'bytes=10-19' } })
    expect(res.status).toBe(302)
    expect(res.headers.get('cache-control')).toBe('no-store')
    const location = res.headers.get('location')!
    expect(location).toContain('X-Amz-Expires=30')
    const part = await fetch(location, { headers: { range: 'bytes=10-19' } })
    expect(part.status).toBe(206)
    expect(sameBytes(new Uint8Array(await part.arrayBuffer()), data.subarray(10, 20))).toBe(true)
    // What the registry still answers itself: HEAD, 304, 404 and 416.
    expect((await app.request(`/v1/blobs/${digest}`, { method: 'HEAD' })).status).toBe(200)
    expect(
      (await app.request(`/v1/blobs/${digest}`, { headers: { 'if-none-match': `"${digest}"` } })).status,
    ).toBe(304)
    expect((await app.request(`/v1/blobs/${digestOf(bytes(3))}`)).status).toBe(404)
    expect((await app.request(`/v1/blobs/${digest}`, { headers: { range: 'bytes=999999-' } })).status).toBe(
      416,
    )
  })

  it('keeps aliases consistent on a server that wants If-Match quoted (as AWS documents it)', async () => {
    // Ceph compares If-Match with the bare ETag; swapping the two forms on the wire makes it behave as a
    // server that accepts only the quoted one. The driver must find that out and still do compare-and-swap.
    const seen: string[] = []
    const swapForms = (request: Request) => {
      const m = request.headers.get('if-match')
      if (m === null) return fetch(request)
      seen.push(m.startsWith('"') ? 'quoted' : 'bare')
      const headers = new Headers(request.headers)
      headers.set('if-match', m.startsWith('"') ? m.slice(1, -1) : `"${m}"`)
      return fetch(new Request(request, { headers }))
    }
    const cfg = await cephStoreConfig({ fetch: swapForms })
    const store = createS3Store(cfg)
    const { digest, size } = await ingestBlob(store, streamOf(bytes(10)), { maxBytes: 1 << 30 })
    const draft = {
      schemaVersion: 1 as const,
      format: 'onnx',
      files: [{ path: 'm.onnx', role: 'model' as const, digest, size }],
      inputs: [],
      outputs: [],
    }
    for (let v = 1; v <= 2; v++) {
      await store.createManifest({ ...draft, name: 'q', version: v, createdAt: new Date().toISOString() })
    }
    await store.setAlias('q', 'stable', 1)
    await store.setAlias('q', 'stable', 2)
    await store.setAlias('q', 'beta', 1)
    expect(await store.getAliases('q')).toEqual({ stable: 2, beta: 1 })
    expect(seen).toEqual(['bare', 'quoted', 'quoted'])
    await Promise.all([
      store.setAlias('q', 'x', 1),
      store.setAlias('q', 'y', 2),
      store.deleteAlias('q', 'beta'),
    ])
    expect(await store.getAliases('q')).toEqual({ stable: 2, x: 1, y: 2 })
  })
})
