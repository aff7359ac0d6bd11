/**
 * The fs BlobStore driver (the embedded default): a folder holding
 *   blobs/sha256/<hex>                       content-addressed bytes
 *   models/<name>/versions/<n>.json          manifests (created once, never rewritten)
 *   models/<name>/state/<generation>.json    aliases and deleted versions (fs-model-doc.ts)
 *   tmp/                                     staging; renamed or linked into place
 * Manifests, model documents and blobs are fsynced, and so is their directory once they are in place.
 */
import { randomUUID } from 'node:crypto'
import { type FileHandle, link, mkdir, readdir, readFile, rename, stat, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import { digestHex, FerryError, isValidDigest, isValidName, type Manifest } from '@ferry/protocol'
import { docOperations } from '../../store/model-doc.js'
import type { BlobInfo, BlobStore, BlobUpload, ByteRange, VersionSlot } from '../../store/types.js'
import { fsOpen, type OpenFile, syncDir, writeSynced } from './durable.js'
import { fileBody } from './file-body.js'
import { fsDocStorage } from './fs-model-doc.js'

const isCode = (err: unknown, code: string) => (err as NodeJS.ErrnoException | null)?.code === code

function checkName(name: string): void {
  if (!isValidName(name)) throw new FerryError('INVALID_NAME', `invalid model name "${name}"`)
}

/** Removes staging files not written to for `maxAgeMs` (left by a killed writer); returns how many. */
async function sweepStale(tmpDir: string, maxAgeMs: number): Promise<number> {
  const cutoff = Date.now() - maxAgeMs
  let removed = 0
  for (const f of await readdir(tmpDir).catch(() => [] as string[])) {
    const p = join(tmpDir, f)
    const s = await stat(p).catch(() => null)
    if (
      s?.isFile() &&
      s.mtimeMs < cutoff &&
      (await unlink(p)
        .then(() => true)
        .catch(() => false))
    )
      removed++
  }
  return removed
}

export interface FsStoreOptions {
  /** `fs.promises.open`, replaceable so tests can see the fsyncs. */
  open?: OpenFile
}

/** Creates (lazily, on first write) a store in `dir`. */
export function createFsStore(dir: string, options: FsStoreOptions = {}): BlobStore {
  const open = options.open ?? fsOpen
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
  const modelDir = (name: string) => {
    checkName(name)
    return join(modelsDir, name)
  }
  const tmpFile = async () => {
    await mkdir(tmpDir, { recursive: true })
    return join(tmpDir, randomUUID())
  }
  const docs = fsDocStorage(modelDir, tmpFile, open, (d) => mkdir(d, { recursive: true }))
  const manifestExists = async (name: string, version: number) =>
    stat(join(versionsDir(name), `${version}.json`)).then(
      () => true,
      (err) => {
        if (isCode(err, 'ENOENT')) return false
        throw err
      },
    )
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
    const used: number[] = []
    for (const e of entries) {
      const m = /^([1-9][0-9]*)\.json$/.exec(e)
      if (m) used.push(Number(m[1]))
    }
    if (used.length === 0) return []
    const deleted = new Set((await docs.read(name)).doc.deleted)
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
          await syncDir(open, blobsDir)
        },
        async abort() {
          await closeFh().catch(() => {})
          await unlink(tmp).catch(() => {})
        },
      }
    },

    async *listBlobs() {
      for (const hex of await readdirOrEmpty(blobsDir)) {
        const digest = `sha256:${hex}`
        if (!isValidDigest(digest)) continue
        const s = await stat(join(blobsDir, hex)).catch(() => null)
        if (s?.isFile()) yield { digest, size: s.size }
      }
    },

    sweepStaging: (maxAgeMs) => sweepStale(tmpDir, maxAgeMs),

    async listModels() {
      const names = (await readdirOrEmpty(modelsDir)).filter(isValidName)
      const held = await Promise.all(names.map(async (n) => (await listVersions(n)).length > 0))
      return names.filter((_, i) => held[i]).sort()
    },

    listVersions,

    async getManifest(name, version, opts) {
      let text: string
      try {
        text = await readFile(join(versionsDir(name), `${version}.json`), 'utf8')
      } catch (err) {
        if (isCode(err, 'ENOENT')) return null
        throw err
      }
      if (!opts?.includeDeleted && (await docs.read(name)).doc.deleted.includes(version)) return null
      return JSON.parse(text) as Manifest
    },

    async createManifest(manifest) {
      const dirPath = versionsDir(manifest.name)
      await mkdir(dirPath, { recursive: true })
      // Write the whole manifest aside, then hard-link it into place: link() fails if the name is
      // taken, so it is a create-if-absent that never exposes a partly written file.
      const tmp = await tmpFile()
      try {
        await writeSynced(open, tmp, JSON.stringify(manifest))
        await link(tmp, join(dirPath, `${manifest.version}.json`))
      } catch (err) {
        if (isCode(err, 'EEXIST')) return false
        throw err
      } finally {
        await unlink(tmp).catch(() => {})
      }
      await syncDir(open, dirPath)
      return true
    },

    ...docOperations(docs, manifestExists),
  }
}
