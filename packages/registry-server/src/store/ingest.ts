/** Streams an upload into a store while hashing and counting it; the blob appears only if it is whole and right. */
import { FerryError } from '@ferry/protocol'
import { type HashFactory, nobleSha256 } from './hash.js'
import type { BlobStore } from './types.js'

export interface IngestOptions {
  /** Refuse (413) once more bytes than this have arrived. */
  maxBytes: number
  /** When set, the computed digest must match it (else 422 DIGEST_MISMATCH). */
  expectedDigest?: string
  /** The size the sender announced (Content-Length); a store may stream to its backend with it. */
  expectedSize?: number
  createHash?: HashFactory
  signal?: AbortSignal
}

/** Stores `body` as a blob and returns its digest and size. Nothing stays behind on any failure. */
export async function ingestBlob(
  store: BlobStore,
  body: ReadableStream<Uint8Array>,
  opts: IngestOptions,
): Promise<{ digest: string; size: number }> {
  const hash = (opts.createHash ?? nobleSha256)()
  let size = 0
  const meter = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      size += chunk.byteLength
      if (size > opts.maxBytes) {
        throw new FerryError('PAYLOAD_TOO_LARGE', `blob exceeds the limit of ${opts.maxBytes} bytes`)
      }
      hash.update(chunk)
      controller.enqueue(chunk)
    },
  })
  const upload = await store.beginBlobUpload({
    ...(opts.expectedDigest === undefined ? {} : { digest: opts.expectedDigest }),
    ...(opts.expectedSize === undefined ? {} : { size: opts.expectedSize }),
  })
  try {
    await body
      .pipeThrough(meter)
      .pipeTo(upload.writable, opts.signal === undefined ? {} : { signal: opts.signal })
  } catch (err) {
    await upload.abort().catch(() => {})
    if (err instanceof FerryError) throw err
    if (opts.signal?.aborted) throw opts.signal.reason ?? err
    throw new FerryError('BAD_REQUEST', `upload failed: ${(err as Error)?.message ?? String(err)}`, {
      cause: err,
    })
  }
  const digest = `sha256:${hash.hex()}`
  if (opts.expectedDigest !== undefined && opts.expectedDigest !== digest) {
    await upload.abort().catch(() => {})
    throw new FerryError(
      'DIGEST_MISMATCH',
      `uploaded bytes hash to ${digest}, not ${opts.expectedDigest}; the blob was not stored`,
    )
  }
  try {
    await upload.commit(digest)
  } catch (err) {
    await upload.abort().catch(() => {})
    throw err
  }
  return { digest, size }
}
