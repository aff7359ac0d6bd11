import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { ingestBlob } from '../../store/ingest.js'
import { digestOf, runStoreSuite, streamOf } from '../../store/store.suite.js'
import { createFsStore } from './fs-store.js'
import { nodeSha256 } from './hash.js'

const dirs: string[] = []
const freshDir = async () => {
  const d = await mkdtemp(join(tmpdir(), 'ferry-fs-store-'))
  dirs.push(d)
  return d
}
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })))
})

runStoreSuite('fs', async () => createFsStore(await freshDir()))

describe('fs driver', () => {
  it('leaves no staging files behind after failed and successful uploads', async () => {
    const dir = await freshDir()
    const store = createFsStore(dir)
    const data = new Uint8Array(50_000).fill(3)
    await ingestBlob(store, streamOf(data), { maxBytes: 10 }).catch(() => {})
    await ingestBlob(store, streamOf(data), {
      maxBytes: 1e9,
      expectedDigest: digestOf(new Uint8Array(1)),
    }).catch(() => {})
    const ok = await ingestBlob(store, streamOf(data), { maxBytes: 1e9, createHash: nodeSha256 })
    expect(ok.digest).toBe(digestOf(data))
    expect(await readdir(join(dir, 'tmp'))).toEqual([])
    expect(await readdir(join(dir, 'blobs', 'sha256'))).toEqual([ok.digest.slice(7)])
  })

  it('sweeps staging files a crashed writer left, but not recent ones', async () => {
    const dir = await freshDir()
    await mkdir(join(dir, 'tmp'), { recursive: true })
    await writeFile(join(dir, 'tmp', 'crashed'), 'half an upload')
    const twoDaysAgo = new Date(Date.now() - 2 * 24 * 3600 * 1000)
    await utimes(join(dir, 'tmp', 'crashed'), twoDaysAgo, twoDaysAgo)
    await writeFile(join(dir, 'tmp', 'in-flight'), 'another process is writing this')
    const store = createFsStore(dir)
    await ingestBlob(store, streamOf(new Uint8Array(10)), { maxBytes: 1e9, createHash: nodeSha256 })
    await expect.poll(async () => readdir(join(dir, 'tmp'))).toEqual(['in-flight'])
  })

  it('refuses names that are not model names before touching the disk', async () => {
    const store = createFsStore(await freshDir())
    await expect(store.listVersions('../x')).rejects.toMatchObject({ code: 'INVALID_NAME' })
    await expect(store.getAliases('A')).rejects.toMatchObject({ code: 'INVALID_NAME' })
    await expect(store.statBlob('sha256:../../etc')).rejects.toMatchObject({ code: 'INVALID_DIGEST' })
  })
})
