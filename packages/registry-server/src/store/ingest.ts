/** Streams an upload into a store while hashing and counting it; the blob appears only if it is whole and right. */
import { FerryError } from '@ferry/protocol'
import { storeFailure } from './errors.js'
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

/**
 * Stores `body` as a blob and returns its digest and size. Nothing stays behind on any failure; `body` is not
 * cancelled then (what is left of it is the caller's to read or cancel).
 */
export async function ingestBlob(
  store: BlobStore,
  body: ReadableStream<Uint8Array>,
  opts: IngestOptions,
): Promise<{ digest: string; size: number }> {
  const hash = (opts.createHash ?? nobleSha256)()
  let size = 0
  const upload = await store.beginBlobUpload({
    ...(opts.expectedDigest === undefined ? {} : { digest: opts.expectedDigest }),
    ...(opts.expectedSize === undefined ? {} : { size: opts.expectedSize }),
  })
  let stored = false
  try {
    try {
      await pump(body, upload.writable, opts.signal, (chunk) => {
        size += chunk.byteLength
        if (size > opts.maxBytes) {
          throw new FerryError('PAYLOAD_TOO_LARGE', `blob exceeds the limit of ${opts.maxBytes} bytes`)
        }
        hash.update(chunk)
      })
    } catch (err) {
      throw streamFailure(err, opts.signal)
    }
    const digest = `sha256:${hash.hex()}`
    if (opts.expectedDigest !== undefined && opts.expectedDigest !== digest) {
      throw new FerryError(
        'DIGEST_MISMATCH',
        `uploaded bytes hash to ${digest}, not ${opts.expectedDigest}; the blob was not stored`,
      )
    }
    await upload.commit(digest)
    stored = true
    return { digest, size }
  } finally {
    if (!stored) await upload.abort().catch(() => {})
  }
}

/**
 * Reads `body` into `writable`, showing each chunk to `look` first (which may throw to stop), then closes
 * `writable`. A plain loop rather than pipeThrough/pipeTo: each chunk takes one read and one write instead of
 * a trip through a TransformStream and two pipes. On failure or abort `writable` is aborted and `body` is
 * left unread and unlocked (an HTTP server reads and drops the rest, so that the client gets the error
 * answer instead of a reset connection).
 */
async function pump(
  body: ReadableStream<Uint8Array>,
  writable: WritableStream<Uint8Array>,
  signal: AbortSignal | undefined,
  look: (chunk: Uint8Array) => void,
): Promise<void> {
  const reader = body.getReader()
  const writer = writable.getWriter()
  let released = false
  const release = () => {
    if (released) return
    released = true
    // A read still waiting is rejected, so the loop stops even if the sender has stalled.
    reader.releaseLock()
  }
  const onAbort = () => {
    release()
    writer.abort(signal?.reason).catch(() => {})
  }
  signal?.addEventListener('abort', onAbort, { once: true })
  try {
    if (signal?.aborted) throw signal.reason
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      look(value)
      await writer.ready
      // Its failure also fails the next `ready` or the close.
      writer.write(value).catch(() => {})
    }
    await writer.close()
  } catch (err) {
    await writer.abort(err).catch(() => {})
    throw err
  } finally {
    signal?.removeEventListener('abort', onAbort)
    release()
    writer.releaseLock()
  }
}

/** Why streaming the body into the store failed: the store's fault (507/503), a deadline, or the client's. */
function streamFailure(err: unknown, signal: AbortSignal | undefined): unknown {
  if (err instanceof FerryError) return err
  const failure = storeFailure(err)
  if (failure) return failure
  if (signal?.aborted) return signal.reason ?? err
  return new FerryError('BAD_REQUEST', `upload failed: ${(err as Error)?.message ?? String(err)}`, {
    cause: err,
  })
}
