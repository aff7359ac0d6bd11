import { mkdir, mkdtemp, open, readdir, rm, utimes, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { runAliasRaceSuite } from '../../routes/alias-race.suite.js'
import { ingestBlob } from '../../store/ingest.js'
import { liveVersions, publishVersion } from '../../store/registry.js'
import { digestOf, draftFor, runStoreSuite, streamOf } from '../../store/store.suite.js'
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
    const aMinuteAgo = new Date(Date.now() - 60_000)
    await utimes(join(dir, 'tmp', 'crashed'), aMinuteAgo, aMinuteAgo)
    await writeFile(join(dir, 'tmp', 'in-flight'), 'another process is writing this')
    const store = createFsStore(dir)
    expect(await store.sweepStaging(30_000)).toBe(1)
    expect(await readdir(join(dir, 'tmp'))).toEqual(['in-flight'])
    expect(await store.sweepStaging(30_000)).toBe(0)
  })

  it('fsyncs manifests, model documents and blobs, and their folders, before anyone can read them', async () => {
    const dir = await freshDir()
    const synced: string[] = []
    const watching: typeof open = async (path, flags, mode) => {
      const fh = await open(path, flags, mode)
      const sync = fh.sync.bind(fh)
      fh.sync = async () => {
        // A file is synced while it is still only in staging: nothing has linked it into place yet.
        synced.push(
          String(path).startsWith(join(dir, 'tmp')) ? 'staged file' : String(path).slice(dir.length),
        )
        return sync()
      }
      return fh
    }
    const store = createFsStore(dir, { open: watching })
    const { digest, size } = await ingestBlob(store, streamOf(new Uint8Array(10)), { maxBytes: 1e9 })
    expect(synced).toEqual(['/blobs/sha256'])
    synced.length = 0
    const m = await publishVersion(store, 'm', draftFor(digest, size))
    expect(synced).toEqual(['staged file', '/models/m/versions'])
    synced.length = 0
    await store.setAlias('m', 'stable', m.version)
    expect(synced).toEqual(['staged file', '/models/m/state'])
    expect(await readdir(join(dir, 'tmp'))).toEqual([])
  })

  it('reads a store written before model documents, and carries it over on the first change', async () => {
    const dir = await freshDir()
    const store = createFsStore(dir)
    const { digest, size } = await ingestBlob(store, streamOf(new Uint8Array(10)), { maxBytes: 1e9 })
    for (let i = 0; i < 3; i++) await publishVersion(store, 'old', draftFor(digest, size))
    await mkdir(join(dir, 'models/old/aliases'))
    await writeFile(join(dir, 'models/old/aliases/stable.json'), '{"version":1}')
    await writeFile(join(dir, 'models/old/versions/2.deleted'), '')
    expect(await store.getAliases('old')).toEqual({ stable: 1 })
    expect(await liveVersions(store, 'old')).toEqual([1, 3])
    await expect(store.deleteManifest('old', 1)).rejects.toMatchObject({ code: 'ALIAS_IN_USE' })
    await store.setAlias('old', 'beta', 3)
    expect(await store.getAliases('old')).toEqual({ beta: 3, stable: 1 })
    expect(await liveVersions(store, 'old')).toEqual([1, 3])
    expect(await readdir(join(dir, 'models/old/state'))).toEqual(['1.json'])
  })

  it('keeps a few model document generations only', async () => {
    const dir = await freshDir()
    const store = createFsStore(dir)
    const { digest, size } = await ingestBlob(store, streamOf(new Uint8Array(10)), { maxBytes: 1e9 })
    await publishVersion(store, 'g', draftFor(digest, size))
    for (let i = 0; i < 20; i++) await store.setAlias('g', `a${i}`, 1)
    expect((await readdir(join(dir, 'models/g/state'))).length).toBeLessThanOrEqual(5)
    expect(Object.keys(await store.getAliases('g'))).toHaveLength(20)
  })

  it('refuses names that are not model names before touching the disk', async () => {
    const store = createFsStore(await freshDir())
    await expect(store.listVersions('../x')).rejects.toMatchObject({ code: 'INVALID_NAME' })
    await expect(store.getAliases('A')).rejects.toMatchObject({ code: 'INVALID_NAME' })
    await expect(store.statBlob('sha256:../../etc')).rejects.toMatchObject({ code: 'INVALID_DIGEST' })
  })
})

runAliasRaceSuite('fs', async () => createFsStore(await freshDir()))
