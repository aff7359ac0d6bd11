/**
 * File-system driver (Node, Deno with node: compat): `<dir>/blobs/<digest>` and
 * `<dir>/records/<key>.json`, each written to a temporary file and renamed into place. `node:fs` is
 * imported on first use only, so bundling this file for a browser costs nothing at import.
 */
import type { CacheDriver } from '../driver.js'

export interface FsDriverOptions {
  /** Folder holding the cache (created on first write). */
  dir: string
}

/** The few `node:fs/promises` calls the driver makes. */
interface Fs {
  mkdir(path: string, o: { recursive: true }): Promise<unknown>
  readFile(path: string): Promise<Uint8Array>
  readFile(path: string, encoding: 'utf8'): Promise<string>
  writeFile(path: string, data: Uint8Array | string): Promise<void>
  rename(from: string, to: string): Promise<void>
  rm(path: string, o: { force: true; recursive?: boolean }): Promise<void>
  readdir(path: string): Promise<string[]>
}

const FS = 'node:fs/promises'
const fileName = (key: string) => encodeURIComponent(key).replace(/\*/g, '%2A')
const missing = (e: unknown) => (e as { code?: string })?.code === 'ENOENT'

/** Creates the driver. */
export function createFsDriver(options: FsDriverOptions): CacheDriver {
  const root = options.dir.replace(/[\\/]+$/, '')
  const blobs = `${root}/blobs`
  const recs = `${root}/records`
  let fs: Promise<Fs> | undefined
  const io = () => {
    fs ??= (async () => {
      const m = (await import(/* @vite-ignore */ FS)) as Fs
      await m.mkdir(blobs, { recursive: true })
      await m.mkdir(recs, { recursive: true })
      return m
    })()
    return fs
  }
  let seq = 0
  const atomicWrite = async (path: string, data: Uint8Array | string) => {
    const f = await io()
    const tmp = `${path}~tmp-${Date.now().toString(36)}-${++seq}`
    try {
      await f.writeFile(tmp, data)
      await f.rename(tmp, path)
    } catch (e) {
      await f.rm(tmp, { force: true })
      throw e
    }
  }
  const getRecord = async <T>(key: string) => {
    try {
      return JSON.parse(await (await io()).readFile(`${recs}/${fileName(key)}.json`, 'utf8')) as T
    } catch (e) {
      if (missing(e) || e instanceof SyntaxError) return undefined
      throw e
    }
  }
  const apply = async (changes: Array<[string, unknown]>) => {
    const f = await io()
    for (const [k, v] of changes) {
      const path = `${recs}/${fileName(k)}.json`
      v === undefined ? await f.rm(path, { force: true }) : await atomicWrite(path, JSON.stringify(v))
    }
  }
  // Names never contain '~' (names, aliases and digests cannot), so '~tmp-' marks unfinished writes.
  const names = async (dir: string, withTemp = false) =>
    (await (await io()).readdir(dir)).filter((n) => withTemp || !n.includes('~tmp-')).map(decodeURIComponent)

  return {
    kind: 'fs',
    id: `fs:${root}`,
    persistent: true,
    getRecord,
    async records<T>(prefix: string) {
      const out: Array<[string, T]> = []
      for (const n of await names(recs)) {
        const key = n.replace(/\.json$/, '')
        if (!key.startsWith(prefix)) continue
        const v = await getRecord<T>(key)
        if (v !== undefined) out.push([key, v])
      }
      return out
    },
    setRecords: apply,
    async writeBlob(digest, bytes, changes) {
      await atomicWrite(`${blobs}/${fileName(digest)}`, bytes)
      await apply(changes)
    },
    async readBlob(digest, size) {
      try {
        const b = await (await io()).readFile(`${blobs}/${fileName(digest)}`)
        return b.byteLength === size ? new Uint8Array(b.buffer, b.byteOffset, b.byteLength) : null
      } catch (e) {
        if (missing(e)) return null
        throw e
      }
    },
    async deleteBlobs(digests, changes) {
      await apply(changes)
      const f = await io()
      for (const d of digests) await f.rm(`${blobs}/${fileName(d)}`, { force: true })
    },
    // Unfinished writes count as blobs without a record, so the core's sweep removes them.
    blobDigests: () => names(blobs, true),
    async clear() {
      const f = await io()
      await f.rm(blobs, { recursive: true, force: true })
      await f.rm(recs, { recursive: true, force: true })
      fs = undefined
    },
  }
}
