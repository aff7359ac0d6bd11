/**
 * A blob upload into S3 that never holds a whole file. Nothing is visible under the digest's key before
 * its bytes are complete and verified:
 *  - with the digest and the size announced (`?digest=` and Content-Length, as `ferry publish` sends
 *    them), the bytes stream as they arrive into one PUT to the digest's key carrying the digest as
 *    x-amz-content-sha256: S3 hashes them too and refuses to store them unless they match (Ceph RGW and
 *    AWS alike), so nothing is buffered or copied, and a failed or aborted upload never completes the PUT;
 *  - otherwise bytes are buffered up to one part and sent as a multipart upload (two parts in flight at
 *    most: memory per upload stays under three parts whatever the blob's size), to the digest's key when
 *    it is known (parts of an uncompleted upload are never readable), else to a staging key under `tmp/`
 *    that is copied to the digest's key at commit;
 *  - a blob smaller than a part is one PUT of the buffered bytes at commit, checked by S3 against the
 *    digest through x-amz-content-sha256.
 * Ceph 16 completes and copies without honouring If-None-Match, so commit looks first and skips a blob
 * that exists; a race of two identical uploads at worst rewrites the same verified bytes.
 */
import { digestHex, FerryError } from '@ferry/protocol'
import { concatBytes } from '../../bytes.js'
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
  /** Bytes joined into one write of a streamed PUT (0: chunks go on as they come). */
  writeChunkBytes: number
  /** The digest the caller expects (not yet verified). */
  expectedDigest?: string
  /** The size the caller announced. */
  expectedSize?: number
  /** Whether a blob is already stored. */
  exists(digest: string): Promise<boolean>
}

const MAX_IN_FLIGHT = 2
/** The largest object one PUT may store on S3. */
const MAX_SINGLE_PUT = 5 * 1024 ** 3

/**
 * One PUT fed by the upload's bytes as they come; S3 checks them against `digest` before storing them.
 * Chunks are joined into writes of `chunkBytes` (0: each goes on as it is).
 */
function streamedPut(
  client: S3Client,
  key: string,
  digest: string,
  size: number,
  chunkBytes: number,
): BlobUpload {
  const pipe = new TransformStream<Uint8Array, Uint8Array>()
  const answer = client.send({
    method: 'PUT',
    key,
    body: pipe.readable,
    headers: {
      'content-length': String(size),
      'x-amz-content-sha256': digestHex(digest),
      'if-none-match': '*',
    },
  })
  // Until commit looks at it, a failed PUT shows up as a failed write (the body stream is cancelled).
  answer.catch(() => {})
  const writable = chunkBytes > 0 ? joining(pipe.writable, chunkBytes) : pipe.writable
  return {
    writable,
    async commit(committed) {
      const res = await answer
      await res.body?.cancel()
      // 412: the blob was stored meanwhile (by another upload of the same bytes).
      if (res.ok || res.status === 412) return
      throw new FerryError(
        committed === digest ? 'STORE_UNAVAILABLE' : 'DIGEST_MISMATCH',
        `the S3 store answered ${res.status} to storing ${digest}`,
      )
    },
    async abort() {
      await writable.abort(new Error('upload aborted')).catch(() => {})
      await answer.then((r) => r.body?.cancel()).catch(() => {})
    },
  }
}

/** A writable that joins chunks into writes of at least `size` bytes to `to` (the last may be smaller). */
function joining(to: WritableStream<Uint8Array>, size: number): WritableStream<Uint8Array> {
  const writer = to.getWriter()
  let held: Uint8Array[] = []
  let heldBytes = 0
  const flush = async () => {
    if (heldBytes === 0) return
    const out = concatBytes(held, heldBytes)
    held = []
    heldBytes = 0
    await writer.write(out)
  }
  return new WritableStream<Uint8Array>({
    async write(chunk) {
      held.push(chunk)
      heldBytes += chunk.byteLength
      if (heldBytes >= size) await flush()
    },
    async close() {
      await flush()
      await writer.close()
    },
    abort: (reason) => writer.abort(reason),
  })
}

/** Begins an upload; see the module comment for where its bytes go. */
export async function beginS3Upload(opts: S3UploadOptions): Promise<BlobUpload> {
  const { client, keys, partSize, expectedDigest } = opts
  // The blob is already there: hash the bytes as they come (the caller verifies them) but store nothing.
  const skip = expectedDigest !== undefined && (await opts.exists(expectedDigest))
  const size = opts.expectedSize
  if (!skip && expectedDigest !== undefined && size !== undefined && size <= MAX_SINGLE_PUT) {
    return streamedPut(client, keys.blob(expectedDigest), expectedDigest, size, opts.writeChunkBytes)
  }
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
    const body = concatBytes(chunks, buffered)
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
            body: concatBytes(chunks, buffered),
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
