import { describe, expect, it } from 'vitest'
import { copyStore } from './copy.js'
import { ingestBlob } from './ingest.js'
import { createMemoryStore } from './memory.js'
import { liveVersions, publishVersion } from './registry.js'
import { draftFor, readAll, sameBytes, streamOf } from './store.suite.js'
import type { BlobStore } from './types.js'

const bytes = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 17 + seed) & 0xff)

async function filled(): Promise<BlobStore> {
  const s = createMemoryStore()
  const a = await ingestBlob(s, streamOf(bytes(1000, 1)), { maxBytes: 1e9 })
  const b = await ingestBlob(s, streamOf(bytes(2000, 2)), { maxBytes: 1e9 })
  for (let i = 0; i < 3; i++) await publishVersion(s, 'm', draftFor(a.digest, a.size, { metadata: { i } }))
  await publishVersion(s, 'n', draftFor(b.digest, b.size))
  await s.setAlias('m', 'stable', 1)
  await s.deleteManifest('m', 2)
  return s
}

describe('copyStore', () => {
  it('copies blobs, versions (deleted ones as deleted), and aliases; a second run copies nothing', async () => {
    const from = await filled()
    const to = createMemoryStore()
    const first = await copyStore(from, to)
    expect(first).toEqual({
      blobs: { copied: 2, skipped: 0, bytes: 3000 },
      versions: { copied: 4, skipped: 0 },
      aliases: 1,
    })
    expect(await to.listVersions('m')).toEqual(await from.listVersions('m'))
    expect(await to.getManifest('m', 3)).toEqual(await from.getManifest('m', 3))
    expect(await to.getAliases('m')).toEqual({ stable: 1 })
    expect(await liveVersions(to, 'n')).toEqual([1])
    for await (const blob of from.listBlobs()) {
      expect(
        sameBytes(
          await readAll((await to.readBlob(blob.digest))!),
          await readAll((await from.readBlob(blob.digest))!),
        ),
      ).toBe(true)
    }
    // The next publish on the copy takes the next number, not a deleted one.
    const again = await copyStore(from, to)
    expect(again).toEqual({
      blobs: { copied: 0, skipped: 2, bytes: 0 },
      versions: { copied: 0, skipped: 4 },
      aliases: 1,
    })
  })

  it('finishes a copy that was cut short', async () => {
    const from = await filled()
    const to = createMemoryStore()
    const blobs = [] as string[]
    for await (const b of from.listBlobs()) blobs.push(b.digest)
    // A first run got one blob and one version across before it died.
    await ingestBlob(to, (await from.readBlob(blobs[0]!))!, { maxBytes: 1e9 })
    await to.createManifest((await from.getManifest('m', 1))!)
    const rest = await copyStore(from, to)
    expect(rest.blobs).toMatchObject({ copied: 1, skipped: 1 })
    expect(rest.versions).toEqual({ copied: 3, skipped: 1 })
    expect(await to.listVersions('m')).toEqual(await from.listVersions('m'))
  })

  it('verifies blob digests on the way in, and stops on a version that differs', async () => {
    const from = await filled()
    const tampered: BlobStore = {
      ...from,
      async readBlob(digest, range) {
        const body = await from.readBlob(digest, range)
        return (
          body?.pipeThrough(
            new TransformStream({ transform: (c, ctl) => ctl.enqueue(c.map((x: number) => x ^ 1)) }),
          ) ?? null
        )
      },
    }
    await expect(copyStore(tampered, createMemoryStore())).rejects.toMatchObject({ code: 'DIGEST_MISMATCH' })
    const to = createMemoryStore()
    const x = await ingestBlob(to, streamOf(bytes(10, 9)), { maxBytes: 1e9 })
    await publishVersion(to, 'm', draftFor(x.digest, x.size))
    await expect(copyStore(from, to)).rejects.toMatchObject({ code: 'VERSION_CONFLICT' })
  })
})
