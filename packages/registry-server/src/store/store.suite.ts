/** The one test suite every BlobStore driver must pass (memory, fs and S3). */
import { FerryError, type Manifest, type ManifestDraft } from '@ferry/protocol'
import { describe, expect, it } from 'vitest'
import { nobleSha256 } from './hash.js'
import { ingestBlob } from './ingest.js'
import { liveVersions, publishVersion, resolveAlias } from './registry.js'
import type { BlobStore, StoredBlob } from './types.js'

const enc = new TextEncoder()

/** A stream of `bytes` in chunks of `chunk` bytes. */
export function streamOf(bytes: Uint8Array, chunk = 64 * 1024): ReadableStream<Uint8Array> {
  let pos = 0
  return new ReadableStream({
    pull(c) {
      if (pos >= bytes.byteLength) return c.close()
      c.enqueue(bytes.slice(pos, pos + chunk))
      pos += chunk
    },
  })
}

/** Reads a stream whole (tests only). */
export async function readAll(s: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  return new Uint8Array(await new Response(s).arrayBuffer())
}

/** Byte-for-byte equality (vitest's deep equality is slow on large arrays). */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false
  return true
}

export function digestOf(bytes: Uint8Array): string {
  const h = nobleSha256()
  h.update(bytes)
  return `sha256:${h.hex()}`
}

export function draftFor(digest: string, size: number, extra: Partial<ManifestDraft> = {}): ManifestDraft {
  return {
    schemaVersion: 1,
    format: 'onnx',
    files: [{ path: 'model.onnx', role: 'model', digest, size }],
    inputs: [{ name: 'x', dtype: 'float32', shape: ['batch', 4] }],
    outputs: [{ name: 'y', dtype: 'float32', shape: ['batch', 2] }],
    ...extra,
  }
}

const bytes = (n: number, seed = 1) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff)
const MAX = 1 << 30

/** Registers the shared suite for a driver; `factory` returns a fresh, empty store. */
export function runStoreSuite(driver: string, factory: () => Promise<BlobStore> | BlobStore): void {
  describe(`BlobStore contract: ${driver}`, () => {
    it('stores a streamed blob under its digest and reads it back, whole and by range', async () => {
      const store = await factory()
      const data = bytes(300_000)
      const { digest, size } = await ingestBlob(store, streamOf(data, 10_000), { maxBytes: MAX })
      expect(digest).toBe(digestOf(data))
      expect(size).toBe(300_000)
      expect(await store.statBlob(digest)).toEqual({ size: 300_000 })
      expect(sameBytes(await readAll((await store.readBlob(digest))!), data)).toBe(true)
      const part = await readAll((await store.readBlob(digest, { start: 1000, end: 299_999 }))!)
      expect(sameBytes(part, data.subarray(1000))).toBe(true)
      const one = await readAll((await store.readBlob(digest, { start: 5, end: 5 }))!)
      expect(one).toEqual(data.subarray(5, 6))
    })

    it('answers null for absent blobs', async () => {
      const store = await factory()
      const d = digestOf(enc.encode('nothing'))
      expect(await store.statBlob(d)).toBeNull()
      expect(await store.readBlob(d)).toBeNull()
    })

    it('stores an empty blob', async () => {
      const store = await factory()
      const { digest, size } = await ingestBlob(store, streamOf(new Uint8Array(0)), { maxBytes: MAX })
      expect(size).toBe(0)
      expect(await store.statBlob(digest)).toEqual({ size: 0 })
      expect((await readAll((await store.readBlob(digest))!)).byteLength).toBe(0)
    })

    it('verifies an expected digest and leaves nothing on mismatch', async () => {
      const store = await factory()
      const data = bytes(5000)
      const wrong = digestOf(enc.encode('other'))
      const err = await ingestBlob(store, streamOf(data), { maxBytes: MAX, expectedDigest: wrong }).catch(
        (e) => e,
      )
      expect(err).toBeInstanceOf(FerryError)
      expect(err.code).toBe('DIGEST_MISMATCH')
      expect(await store.statBlob(digestOf(data))).toBeNull()
      expect(await store.statBlob(wrong)).toBeNull()
      const ok = await ingestBlob(store, streamOf(data), { maxBytes: MAX, expectedDigest: digestOf(data) })
      expect(ok.digest).toBe(digestOf(data))
    })

    it('never shows a partial upload (body fails midway, or grows past the limit)', async () => {
      const store = await factory()
      const data = bytes(200_000)
      let sent = 0
      const failing = new ReadableStream<Uint8Array>({
        pull(c) {
          if (sent >= 100_000) return c.error(new Error('connection reset'))
          c.enqueue(data.slice(sent, sent + 10_000))
          sent += 10_000
        },
      })
      await expect(ingestBlob(store, failing, { maxBytes: MAX })).rejects.toMatchObject({
        code: 'BAD_REQUEST',
      })
      const big = await ingestBlob(store, streamOf(data), { maxBytes: 150_000 }).catch((e) => e)
      expect(big.code).toBe('PAYLOAD_TOO_LARGE')
      expect(await store.statBlob(digestOf(data))).toBeNull()
      expect(await store.statBlob(digestOf(data.subarray(0, 100_000)))).toBeNull()
      expect(await store.statBlob(digestOf(data.subarray(0, 150_000)))).toBeNull()
    })

    it('accepts the same blob twice, also concurrently', async () => {
      const store = await factory()
      const data = bytes(100_000, 7)
      const results = await Promise.all(
        Array.from({ length: 5 }, () => ingestBlob(store, streamOf(data, 7000), { maxBytes: MAX })),
      )
      for (const r of results) expect(r).toEqual({ digest: digestOf(data), size: 100_000 })
      expect(sameBytes(await readAll((await store.readBlob(digestOf(data)))!), data)).toBe(true)
    })

    it('creates a manifest slot only once', async () => {
      const store = await factory()
      const m: Manifest = {
        ...draftFor(digestOf(bytes(1)), 1),
        name: 'm',
        version: 1,
        createdAt: new Date().toISOString(),
      }
      expect(await store.createManifest(m)).toBe(true)
      expect(await store.createManifest({ ...m, metadata: { other: true } })).toBe(false)
      expect(await store.getManifest('m', 1)).toEqual(m)
      expect(await store.getManifest('m', 2)).toBeNull()
      expect(await store.getManifest('absent', 1)).toBeNull()
      expect(await store.listVersions('m')).toEqual([{ version: 1, deleted: false }])
      expect(await store.listVersions('absent')).toEqual([])
      expect(await store.listModels()).toEqual(['m'])
    })

    it('gives 20 concurrent publishes 20 distinct versions', async () => {
      const store = await factory()
      const data = bytes(1000)
      const { digest, size } = await ingestBlob(store, streamOf(data), { maxBytes: MAX })
      const published = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          publishVersion(store, 'race', draftFor(digest, size, { metadata: { i } })),
        ),
      )
      const versions = published.map((m) => m.version).sort((a, b) => a - b)
      expect(versions).toEqual(Array.from({ length: 20 }, (_, i) => i + 1))
      for (const m of published) expect(await store.getManifest('race', m.version)).toEqual(m)
      expect(await liveVersions(store, 'race')).toEqual(versions)
    })

    it('refuses to publish with a missing or wrong-sized blob, and writes nothing', async () => {
      const store = await factory()
      const data = bytes(1000)
      const { digest } = await ingestBlob(store, streamOf(data), { maxBytes: MAX })
      await expect(publishVersion(store, 'p', draftFor(digest, 999))).rejects.toMatchObject({
        code: 'BLOB_MISSING',
      })
      await expect(publishVersion(store, 'p', draftFor(digestOf(bytes(3)), 3))).rejects.toMatchObject({
        code: 'BLOB_MISSING',
      })
      expect(await store.listVersions('p')).toEqual([])
      expect(await store.listModels()).toEqual([])
    })

    it('deletes versions with a tombstone so their numbers are never reused', async () => {
      const store = await factory()
      const { digest, size } = await ingestBlob(store, streamOf(bytes(10)), { maxBytes: MAX })
      await publishVersion(store, 'd', draftFor(digest, size))
      await publishVersion(store, 'd', draftFor(digest, size))
      expect(await store.deleteManifest('d', 2)).toBe(true)
      expect(await store.deleteManifest('d', 2)).toBe(false)
      expect(await store.deleteManifest('d', 9)).toBe(false)
      expect(await store.getManifest('d', 2)).toBeNull()
      expect(await liveVersions(store, 'd')).toEqual([1])
      expect(await resolveAlias(store, 'd', 'latest')).toBe(1)
      const next = await publishVersion(store, 'd', draftFor(digest, size))
      expect(next.version).toBe(3)
      expect(await store.listVersions('d')).toEqual([
        { version: 1, deleted: false },
        { version: 2, deleted: true },
        { version: 3, deleted: false },
      ])
    })

    it('sets, replaces and deletes aliases', async () => {
      const store = await factory()
      expect(await store.getAliases('a')).toEqual({})
      expect(await store.deleteAlias('a', 'beta')).toBe(false)
      const { digest, size } = await ingestBlob(store, streamOf(bytes(10)), { maxBytes: MAX })
      for (let i = 0; i < 10; i++) await publishVersion(store, 'a', draftFor(digest, size))
      await store.setAlias('a', 'stable', 1)
      await store.setAlias('a', 'beta', 2)
      await store.setAlias('a', 'stable', 3)
      expect(await store.getAliases('a')).toEqual({ beta: 2, stable: 3 })
      expect(await store.deleteAlias('a', 'beta')).toBe(true)
      expect(await store.deleteAlias('a', 'beta')).toBe(false)
      expect(await store.getAliases('a')).toEqual({ stable: 3 })
      await Promise.all(Array.from({ length: 10 }, (_, i) => store.setAlias('a', 'stable', i + 1)))
      const v = (await store.getAliases('a')).stable
      expect(v).toBeGreaterThanOrEqual(1)
      expect(v).toBeLessThanOrEqual(10)
    })

    it('changes aliases and deletes versions atomically with each other', async () => {
      const store = await factory()
      const { digest, size } = await ingestBlob(store, streamOf(bytes(10)), { maxBytes: MAX })
      const m1 = await publishVersion(store, 'c', draftFor(digest, size))
      await publishVersion(store, 'c', draftFor(digest, size))
      await expect(store.setAlias('c', 'stable', 3)).rejects.toMatchObject({ code: 'VERSION_NOT_FOUND' })
      await expect(store.setAlias('nope', 'stable', 1)).rejects.toMatchObject({ code: 'VERSION_NOT_FOUND' })
      await store.setAlias('c', 'stable', 1)
      await store.setAlias('c', 'beta', 1)
      const inUse = await store.deleteManifest('c', 1).catch((e) => e)
      expect(inUse).toMatchObject({ code: 'ALIAS_IN_USE' })
      expect(inUse.message).toContain('beta, stable')
      expect(await liveVersions(store, 'c')).toEqual([1, 2])
      expect(await store.deleteManifest('c', 2)).toBe(true)
      await expect(store.setAlias('c', 'stable', 2)).rejects.toMatchObject({ code: 'VERSION_NOT_FOUND' })
      expect(await store.getAliases('c')).toEqual({ beta: 1, stable: 1 })
      expect(await store.getManifest('c', 2)).toBeNull()
      expect((await store.getManifest('c', 2, { includeDeleted: true }))?.version).toBe(2)
      expect(await store.getManifest('c', 1, { includeDeleted: true })).toEqual(m1)
      await store.deleteAlias('c', 'stable')
      await store.deleteAlias('c', 'beta')
      expect(await store.deleteManifest('c', 1)).toBe(true)
      expect(await store.listVersions('c')).toEqual([
        { version: 1, deleted: true },
        { version: 2, deleted: true },
      ])
    })

    it('lists its blobs', async () => {
      const store = await factory()
      const a = await ingestBlob(store, streamOf(bytes(10, 1)), { maxBytes: MAX })
      const b = await ingestBlob(store, streamOf(bytes(20, 2)), { maxBytes: MAX })
      const listed: StoredBlob[] = []
      for await (const blob of store.listBlobs()) listed.push(blob)
      listed.sort((x, y) => x.size - y.size)
      expect(listed).toEqual([
        { digest: a.digest, size: 10 },
        { digest: b.digest, size: 20 },
      ])
    })
  })
}
