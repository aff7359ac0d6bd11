/**
 * The S3 BlobStore driver, for several registry instances sharing one bucket (AWS S3, Ceph RGW, any
 * S3-compatible store). Platform-free: fetch, web streams and aws4fetch's SigV4. Keys under the prefix:
 *   blobs/sha256/<hex>                 content-addressed bytes (upload.ts: visible only once verified)
 *   models/<name>/versions/<n>.json    manifests, each created by one PUT with If-None-Match: *
 *   models/<name>/model.json           aliases and deleted versions (model-doc.ts), changed by PUT with
 *                                      If-Match on its ETag (If-None-Match: * for the first one)
 *   tmp/<uuid>                         staging for uploads whose digest is not known up front
 * Incomplete multipart uploads and staging objects older than the sweep's age are removed by
 * `sweepStaging`, which every running instance calls periodically.
 */
import { digestHex, FerryError, isValidDigest, isValidName, type Manifest } from '@ferry/protocol'
import { nativeBodyOf } from '../../http/native-body.js'
import { type DocStorage, docOperations, emptyDoc, parseModelDoc } from '../model-doc.js'
import type { BlobInfo, BlobStore, ByteRange, VersionSlot } from '../types.js'
import { bareEtag, S3Client } from './client.js'
import type { S3StoreConfig } from './config.js'
import { beginS3Upload } from './upload.js'

const DEFAULT_PART_SIZE = 8 * 1024 * 1024
/** Bytes per chunk handed on from a GET by default (see `S3StoreConfig.readChunkBytes`). */
const READ_CHUNK = 256 * 1024
/** Bytes per write into a streamed PUT by default (see `S3StoreConfig.writeChunkBytes`). */
const DEFAULT_WRITE_CHUNK = 1024 * 1024

/** Joins small chunks into chunks of about `size` bytes (the last one may be smaller). */
function coalesce(size: number): TransformStream<Uint8Array, Uint8Array> {
  let parts: Uint8Array[] = []
  let held = 0
  const flush = (controller: TransformStreamDefaultController<Uint8Array>) => {
    if (held === 0) return
    const out = parts.length === 1 ? (parts[0] as Uint8Array) : new Uint8Array(held)
    if (parts.length > 1) {
      let off = 0
      for (const p of parts) {
        out.set(p, off)
        off += p.byteLength
      }
    }
    parts = []
    held = 0
    controller.enqueue(out)
  }
  return new TransformStream({
    transform(chunk, controller) {
      parts.push(chunk)
      held += chunk.byteLength
      if (held >= size) flush(controller)
    },
    flush,
  })
}
const MIN_PART_SIZE = 5 * 1024 * 1024

function checkName(name: string): void {
  if (!isValidName(name)) throw new FerryError('INVALID_NAME', `invalid model name "${name}"`)
}

/**
 * Conditional document writes that hold on Ceph RGW 16 and on AWS S3 alike. RGW compares If-Match with
 * the ETag *without* its quotes (the quoted form it hands out gives a false 412); AWS documents the
 * quoted form. So the bare form goes first; a 412 while the object still has the ETag we sent means the
 * server wants the other form, which is then used from that moment on.
 */
function s3DocStorage(client: S3Client, docKey: (name: string) => string): DocStorage<string> {
  let quoted: boolean | null = null
  const put = (key: string, body: string, condition: Record<string, string>) =>
    client.send({
      method: 'PUT',
      key,
      body,
      headers: { 'content-type': 'application/json', ...condition },
    })
  return {
    async read(name) {
      const res = await client.send({ method: 'GET', key: docKey(name) })
      if (res.status === 404) {
        await res.body?.cancel()
        return { doc: emptyDoc(), tag: null }
      }
      const etag = bareEtag(res.headers.get('etag'))
      if (!res.ok || etag === null) {
        await res.body?.cancel()
        throw new FerryError(
          'STORE_UNAVAILABLE',
          `the S3 store answered ${res.status} to reading ${docKey(name)}`,
        )
      }
      return { doc: parseModelDoc(await res.text(), docKey(name)), tag: etag }
    },

    async write(name, doc, tag) {
      const key = docKey(name)
      const body = JSON.stringify(doc)
      if (tag === null) {
        const res = await put(key, body, { 'if-none-match': '*' })
        await res.body?.cancel()
        return res.ok
      }
      for (const form of quoted === null ? [false, true] : [quoted]) {
        const res = await put(key, body, { 'if-match': form ? `"${tag}"` : tag })
        await res.body?.cancel()
        if (res.ok) {
          quoted = form
          return true
        }
        if (res.status !== 412 && res.status !== 409) {
          throw new FerryError('STORE_UNAVAILABLE', `the S3 store answered ${res.status} to writing ${key}`)
        }
        if (quoted !== null) return false
        const head = await client.send({ method: 'HEAD', key })
        if (bareEtag(head.headers.get('etag')) !== tag) return false
      }
      throw new FerryError(
        'STORE_UNAVAILABLE',
        'the S3 store refuses If-Match in both forms; it cannot keep aliases consistent across instances',
      )
    },
  }
}

/** How many blob sizes a store remembers, and for how long. */
const SEEN_BLOBS = 4096
const SEEN_MS = 60_000

/**
 * Sizes of blobs found in the bucket, so that serving (or publishing) a blob seen in the last minute spares
 * a HEAD round trip. Only blobs that exist are remembered: a blob's bytes never change and the store never
 * deletes one, so an entry can only be stale if someone deleted the object by other means (then a GET of it
 * still answers 404, and the entry expires within SEEN_MS).
 */
function seenBlobs() {
  const sizes = new Map<string, { size: number; at: number }>()
  return {
    get(digest: string): number | undefined {
      const e = sizes.get(digest)
      if (e === undefined) return undefined
      if (Date.now() - e.at < SEEN_MS) return e.size
      sizes.delete(digest)
      return undefined
    },
    set(digest: string, size: number) {
      sizes.delete(digest)
      if (sizes.size >= SEEN_BLOBS) sizes.delete(sizes.keys().next().value as string)
      sizes.set(digest, { size, at: Date.now() })
    },
  }
}

/** Creates a store on `config.bucket` under `config.prefix` (nothing is sent until it is used). */
export function createS3Store(config: S3StoreConfig): BlobStore {
  const client = new S3Client(config)
  const partSize = Math.max(MIN_PART_SIZE, config.partSize ?? DEFAULT_PART_SIZE)
  const readChunk = config.readChunkBytes ?? READ_CHUNK
  const p = config.prefix
  const blobKey = (digest: string) => {
    if (!isValidDigest(digest)) throw new FerryError('INVALID_DIGEST', `invalid digest "${digest}"`)
    return `${p}blobs/sha256/${digestHex(digest)}`
  }
  const modelsPrefix = `${p}models/`
  const versionsPrefix = (name: string) => {
    checkName(name)
    return `${modelsPrefix}${name}/versions/`
  }
  const docKey = (name: string) => {
    checkName(name)
    return `${modelsPrefix}${name}/model.json`
  }
  const docs = s3DocStorage(client, docKey)

  const seen = seenBlobs()
  const statBlob = async (digest: string): Promise<BlobInfo | null> => {
    const known = seen.get(digest)
    if (known !== undefined) return { size: known }
    const res = await client.send({ method: 'HEAD', key: blobKey(digest) })
    if (res.status === 404) return null
    if (!res.ok)
      throw new FerryError('STORE_UNAVAILABLE', `the S3 store answered ${res.status} to HEAD ${digest}`)
    const size = Number(res.headers.get('content-length') ?? 0)
    seen.set(digest, size)
    return { size }
  }
  const versionNumbers = async (name: string): Promise<number[]> => {
    const prefix = versionsPrefix(name)
    const out: number[] = []
    for await (const o of client.list(prefix)) {
      const m = /^([1-9][0-9]*)\.json$/.exec(o.key.slice(prefix.length))
      if (m) out.push(Number(m[1]))
    }
    return out.sort((a, b) => a - b)
  }
  const manifestExists = async (name: string, version: number) => {
    const res = await client.send({ method: 'HEAD', key: `${versionsPrefix(name)}${version}.json` })
    return res.ok
  }

  return {
    statBlob,

    async readBlob(digest, range?: ByteRange) {
      const key = blobKey(digest)
      const headers: Record<string, string> = range ? { range: `bytes=${range.start}-${range.end}` } : {}
      const res = await client.send({ method: 'GET', key, headers })
      if (!res.ok) await res.body?.cancel()
      if (res.status === 404) return null
      if (!res.ok)
        throw new FerryError('STORE_UNAVAILABLE', `the S3 store answered ${res.status} to GET ${digest}`)
      if (!res.body) return new ReadableStream<Uint8Array>({ start: (c) => c.close() })
      // A body the platform can send by its own means (nativeBodyOf) is handed on as it is.
      if (readChunk === 0 || nativeBodyOf(res.body)) return res.body
      return res.body.pipeThrough(coalesce(readChunk))
    },

    beginBlobUpload: (expected) =>
      beginS3Upload({
        client,
        keys: { blob: blobKey, staging: () => `${p}tmp/${crypto.randomUUID()}` },
        partSize,
        writeChunkBytes: config.writeChunkBytes ?? DEFAULT_WRITE_CHUNK,
        ...(expected?.digest !== undefined && isValidDigest(expected.digest)
          ? { expectedDigest: expected.digest }
          : {}),
        ...(expected?.size === undefined ? {} : { expectedSize: expected.size }),
        exists: async (digest) => (await statBlob(digest)) !== null,
      }),

    async *listBlobs() {
      const prefix = `${p}blobs/sha256/`
      for await (const o of client.list(prefix)) {
        const digest = `sha256:${o.key.slice(prefix.length)}`
        if (isValidDigest(digest)) yield { digest, size: o.size }
      }
    },

    async sweepStaging(maxAgeMs) {
      const cutoff = Date.now() - maxAgeMs
      let removed = 0
      for await (const o of client.list(`${p}tmp/`)) {
        if (o.lastModified < cutoff) {
          await client.delete(o.key)
          removed++
        }
      }
      for await (const u of client.listUploads(p)) {
        if (u.initiated < cutoff) {
          await client.abortUpload(u.key, u.uploadId)
          removed++
        }
      }
      return removed
    },

    blobUrl: (digest, expiresInSeconds) => client.presign(blobKey(digest), expiresInSeconds),

    async listModels() {
      const names: string[] = []
      for await (const prefix of client.listPrefixes(modelsPrefix)) {
        const name = prefix.slice(modelsPrefix.length).replace(/\/$/, '')
        if (isValidName(name)) names.push(name)
      }
      const held = await Promise.all(names.map(async (n) => (await versionNumbers(n)).length > 0))
      return names.filter((_, i) => held[i]).sort()
    },

    async listVersions(name): Promise<VersionSlot[]> {
      // Both at once: each is a round trip.
      const [used, doc] = await Promise.all([versionNumbers(name), docs.read(name)])
      if (used.length === 0) return []
      const deleted = new Set(doc.doc.deleted)
      return used.map((version) => ({ version, deleted: deleted.has(version) }))
    },

    async getManifest(name, version, opts) {
      const key = `${versionsPrefix(name)}${version}.json`
      const [res, doc] = await Promise.all([
        client.send({ method: 'GET', key }),
        opts?.includeDeleted ? null : docs.read(name),
      ])
      if (!res.ok) await res.body?.cancel()
      if (res.status === 404) return null
      if (!res.ok)
        throw new FerryError('STORE_UNAVAILABLE', `the S3 store answered ${res.status} to GET ${key}`)
      const text = await res.text()
      if (doc?.doc.deleted.includes(version)) return null
      return JSON.parse(text) as Manifest
    },

    async createManifest(manifest) {
      const key = `${versionsPrefix(manifest.name)}${manifest.version}.json`
      const body = JSON.stringify(manifest)
      // 409: AWS's answer to two conditional writes of one key at once; the loser tries again.
      for (let attempt = 0; attempt < 5; attempt++) {
        const res = await client.send({
          method: 'PUT',
          key,
          body,
          headers: { 'if-none-match': '*', 'content-type': 'application/json' },
        })
        await res.body?.cancel()
        if (res.ok) return true
        if (res.status === 412) return false
        if (res.status !== 409) {
          throw new FerryError('STORE_UNAVAILABLE', `the S3 store answered ${res.status} to PUT ${key}`)
        }
      }
      return false
    },

    ...docOperations(docs, manifestExists),
  }
}
