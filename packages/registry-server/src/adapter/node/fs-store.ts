/**
 * The fs BlobStore driver (the embedded default): a folder holding
 *   blobs/sha256/<hex>                       content-addressed bytes
 *   models/<name>/versions/<n>.json          manifests (created once, never rewritten)
 *   models/<name>/versions/<n>.deleted       tombstone: version deleted, number never reused
 *   models/<name>/aliases/<alias>.json       {"version": n}
 *   tmp/                                     staging; renamed or linked into place
 */
import { randomUUID } from 'node:crypto'
import {
  type FileHandle,
  link,
  mkdir,
  open,
  readdir,
  readFile,
  rename,
  stat,
  unlink,
  writeFile,
} from 'node:fs/promises'
import { join } from 'node:path'
import {
  digestHex,
  FerryError,
  isValidAlias,
  isValidDigest,
  isValidName,
  type Manifest,
} from '@ferry/protocol'
import type { BlobInfo, BlobStore, BlobUpload, ByteRange, VersionSlot } from '../../store/types.js'
import { fileBody } from './file-body.js'

const isCode = (err: unknown, code: string) => (err as NodeJS.ErrnoException | null)?.code === code

function checkName(name: string): void {
  if (!isValidName(name)) throw new FerryError('INVALID_NAME', `invalid model name "${name}"`)
}

/** Staging files older than this were left by a crashed writer (an upload never takes a day). */
const STALE_TMP_MS = 24 * 60 * 60 * 1000

/** Removes staging files a crashed process left behind; runs once per store, in the background. */
async function sweepStale(tmpDir: string): Promise<void> {
  const cutoff = Date.now() - STALE_TMP_MS
  for (const f of await readdir(tmpDir).catch(() => [] as string[])) {
    const p = join(tmpDir, f)
    const s = await stat(p).catch(() => null)
    if (s?.isFile() && s.mtimeMs < cutoff) await unlink(p).catch(() => {})
  }
}

/** Creates (lazily, on first write) a store in `dir`. */
export function createFsStore(dir: string): BlobStore {
  const blobsDir = join(dir, 'blobs', 'sha256')
  const tmpDir = join(dir, 'tmp')
  const modelsDir = join(dir, 'models')
  const blobPath = (digest: string) => {
    if (!isValidDigest(digest)) throw new FerryError('INVALID_DIGEST', `invalid digest "${digest}"`)
    return join(blobsDir, digestHex(digest))
  }
  const versionsDir = (name: string) => {
    checkName(name)
    return join(modelsDir, name, 'versions')
  }
  const aliasesDir = (name: string) => {
    checkName(name)
    return join(modelsDir, name, 'aliases')
  }
  const aliasPath = (name: string, alias: string) => {
    if (!isValidAlias(alias)) throw new FerryError('INVALID_ALIAS', `invalid alias "${alias}"`)
    return join(aliasesDir(name), `${alias}.json`)
  }
  let swept = false
  const tmpFile = async () => {
    await mkdir(tmpDir, { recursive: true })
    if (!swept) {
      swept = true
      void sweepStale(tmpDir)
    }
    return join(tmpDir, randomUUID())
  }
  const readdirOrEmpty = async (p: string) => {
    try {
      return await readdir(p)
    } catch (err) {
      if (isCode(err, 'ENOENT')) return []
      throw err
    }
  }

  const listVersions = async (name: string): Promise<VersionSlot[]> => {
    const entries = await readdirOrEmpty(versionsDir(name))
    const deleted = new Set<number>()
    const used: number[] = []
    for (const e of entries) {
      const m = /^([1-9][0-9]*)\.(json|deleted)$/.exec(e)
      if (!m) continue
      if (m[2] === 'json') used.push(Number(m[1]))
      else deleted.add(Number(m[1]))
    }
    return used.sort((a, b) => a - b).map((version) => ({ version, deleted: deleted.has(version) }))
  }

  return {
    async statBlob(digest): Promise<BlobInfo | null> {
      try {
        const s = await stat(blobPath(digest))
        return { size: s.size }
      } catch (err) {
        if (isCode(err, 'ENOENT')) return null
        throw err
      }
    },

    async readBlob(digest, range?: ByteRange) {
      let fh: FileHandle
      try {
        fh = await open(blobPath(digest), 'r')
      } catch (err) {
        if (isCode(err, 'ENOENT')) return null
        throw err
      }
      const end = range ? range.end + 1 : (await fh.stat()).size
      return fileBody(fh, range?.start ?? 0, end)
    },

    async beginBlobUpload(): Promise<BlobUpload> {
      const tmp = await tmpFile()
      const fh = await open(tmp, 'wx')
      let open_ = true
      const closeFh = async () => {
        if (open_) {
          open_ = false
          await fh.close()
        }
      }
      return {
        writable: new WritableStream<Uint8Array>({
          async write(chunk) {
            let off = 0
            while (off < chunk.byteLength) {
              const { bytesWritten } = await fh.write(chunk, off, chunk.byteLength - off)
              off += bytesWritten
            }
          },
          async close() {
            await fh.datasync()
            await closeFh()
          },
          async abort() {
            await closeFh().catch(() => {})
          },
        }),
        async commit(digest) {
          const target = blobPath(digest)
          await closeFh()
          await mkdir(blobsDir, { recursive: true })
          await rename(tmp, target)
        },
        async abort() {
          await closeFh().catch(() => {})
          await unlink(tmp).catch(() => {})
        },
      }
    },

    async listModels() {
      const names = (await readdirOrEmpty(modelsDir)).filter(isValidName)
      const held = await Promise.all(names.map(async (n) => (await listVersions(n)).length > 0))
      return names.filter((_, i) => held[i]).sort()
    },

    listVersions,

    async getManifest(name, version) {
      const base = join(versionsDir(name), String(version))
      try {
        const text = await readFile(`${base}.json`, 'utf8')
        try {
          await stat(`${base}.deleted`)
          return null
        } catch (err) {
          if (!isCode(err, 'ENOENT')) throw err
        }
        return JSON.parse(text) as Manifest
      } catch (err) {
        if (isCode(err, 'ENOENT')) return null
        throw err
      }
    },

    async createManifest(manifest) {
      const dirPath = versionsDir(manifest.name)
      await mkdir(dirPath, { recursive: true })
      // Write the whole manifest aside, then hard-link it into place: link() fails if the name is
      // taken, so it is a create-if-absent that never exposes a partly written file.
      const tmp = await tmpFile()
      try {
        await writeFile(tmp, JSON.stringify(manifest), { flag: 'wx' })
        await link(tmp, join(dirPath, `${manifest.version}.json`))
        return true
      } catch (err) {
        if (isCode(err, 'EEXIST')) return false
        throw err
      } finally {
        await unlink(tmp).catch(() => {})
      }
    },

    async deleteManifest(name, version) {
      const base = join(versionsDir(name), String(version))
      try {
        await stat(`${base}.json`)
        await writeFile(`${base}.deleted`, '', { flag: 'wx' })
        return true
      } catch (err) {
        if (isCode(err, 'ENOENT') || isCode(err, 'EEXIST')) return false
        throw err
      }
    },

    async getAliases(name) {
      const d = aliasesDir(name)
      const out: Record<string, number> = {}
      for (const e of (await readdirOrEmpty(d)).sort()) {
        const alias = e.endsWith('.json') ? e.slice(0, -5) : ''
        if (!isValidAlias(alias)) continue
        try {
          const v = (JSON.parse(await readFile(join(d, e), 'utf8')) as { version?: unknown }).version
          if (typeof v === 'number') out[alias] = v
        } catch (err) {
          if (!isCode(err, 'ENOENT')) throw err
        }
      }
      return out
    },

    async setAlias(name, alias, version) {
      const target = aliasPath(name, alias)
      await mkdir(aliasesDir(name), { recursive: true })
      const tmp = await tmpFile()
      try {
        await writeFile(tmp, JSON.stringify({ version }), { flag: 'wx' })
        await rename(tmp, target)
      } finally {
        await unlink(tmp).catch(() => {})
      }
    },

    async deleteAlias(name, alias) {
      try {
        await unlink(aliasPath(name, alias))
        return true
      } catch (err) {
        if (isCode(err, 'ENOENT')) return false
        throw err
      }
    },
  }
}
