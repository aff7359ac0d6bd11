/**
 * A blob upload into S3 that never holds a whole file: bytes are buffered up to one part and sent as a
 * multipart upload (two parts in flight at most), so memory per upload stays under three parts whatever
 * the blob's size. Nothing is visible under the digest's key before `commit`, which runs only once the
 * bytes are complete and their digest verified:
 *  - a blob smaller than a part is one PUT of the buffered bytes at commit (S3 checks them against the
 *    digest too, through x-amz-content-sha256);
 *  - with the digest known up front, the multipart upload goes straight to the digest's key and is
 *    completed at commit (parts of an uncompleted upload are never readable);
 *  - otherwise it goes to a staging key under `tmp/` and is copied to the digest's key at commit.
 * Ceph 16 completes and copies without honouring If-None-Match, so commit looks first and skips a blob
 * that exists; a race of two identical uploads at worst rewrites the same verified bytes.
 */
import { digestHex, FerryError } from '@ferry/protocol'
import type { BlobUpload } from '../types.js'
import type { S3Client } from './client.js'

export interface S3UploadKeys {
  blob(digest: string): string
  staging(): string
}

export interface S3UploadOptions {
  client: S3Client
  keys: S3UploadKeys
  partSize: number
  /** The digest the caller expects (not yet verified). */
  expectedDigest?: string
  /** Whether a blob is already stored. */
  exists(digest: string): Promise<boolean>
}

const MAX_IN_FLIGHT = 2

function concat(chunks: Uint8Array[], size: number): Uint8Array {
  if (chunks.length === 1 && chunks[0]?.byteLength === size) return chunks[0]
  const out = new Uint8Array(size)
  let off = 0
  for (const c of chunks) {
    out.set(c, off)
    off += c.byteLength
  }
  return out
}

/** Begins an upload; see the module comment for where its bytes go. */
export async function beginS3Upload(opts: S3UploadOptions): Promise<BlobUpload> {
  const { client, keys, partSize, expectedDigest } = opts
  // The blob is already there: hash the bytes as they come (the caller verifies them) but store nothing.
  const skip = expectedDigest !== undefined && (await opts.exists(expectedDigest))
  const key = expectedDigest !== undefined ? keys.blob(expectedDigest) : keys.staging()
  let chunks: Uint8Array[] = []
  let buffered = 0
  let uploadId: Promise<string> | null = null
  const etags: Promise<string>[] = []
  const inFlight = new Set<Promise<string>>()

  const sendPart = async (body: Uint8Array) => {
    uploadId ??= client.createUpload(key)
    const id = await uploadId
    const part = client.uploadPart(key, id, etags.length + 1, body)
    etags.push(part)
    inFlight.add(part)
    part.then(
      () => inFlight.delete(part),
      () => inFlight.delete(part),
    )
    while (inFlight.size >= MAX_IN_FLIGHT) await Promise.race(inFlight)
  }
  const flush = async () => {
    const body = concat(chunks, buffered)
    chunks = []
    buffered = 0
    await sendPart(body)
  }
  const discard = async () => {
    chunks = []
    buffered = 0
    if (uploadId === null) return
    await Promise.allSettled(etags)
    const id = await uploadId.catch(() => null)
    if (id !== null) await client.abortUpload(key, id)
  }

  return {
    writable: new WritableStream<Uint8Array>({
      async write(chunk) {
        if (skip) return
        chunks.push(chunk)
        buffered += chunk.byteLength
        if (buffered >= partSize) await flush()
      },
      async close() {
        if (uploadId !== null && buffered > 0) await flush()
        await Promise.all(etags)
      },
    }),

    async commit(digest) {
      if (skip) return
      const target = keys.blob(digest)
      if (uploadId === null) {
        if (!(await opts.exists(digest))) {
          const res = await client.send({
            method: 'PUT',
            key: target,
            body: concat(chunks, buffered),
            headers: { 'if-none-match': '*', 'x-amz-content-sha256': digestHex(digest) },
          })
          await res.body?.cancel()
          if (!res.ok && res.status !== 412 && res.status !== 409) {
            throw new FerryError(
              'STORE_UNAVAILABLE',
              `the S3 store answered ${res.status} to storing ${digest}`,
            )
          }
        }
        chunks = []
        return
      }
      const id = await uploadId
      if (await opts.exists(digest)) {
        await client.abortUpload(key, id)
        return
      }
      await client.completeUpload(key, id, await Promise.all(etags))
      if (key !== target) {
        try {
          await client.copy(key, target)
        } finally {
          await client.delete(key)
        }
      }
    },

    abort: discard,
  }
}
