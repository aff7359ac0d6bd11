/**
 * Deno's fetch sends a streamed request body chunked and drops its Content-Length header (Deno 2.9), which
 * S3 refuses (411 MissingContentLength): the S3 driver's one streamed PUT for an upload that announces its
 * size cannot work there. On Deno, uploads therefore reach the store without the size hint, and the driver
 * sends them as it sends every unannounced upload (buffered parts of a multipart upload, or one PUT of a
 * small blob's bytes) — still never a whole file in memory, still verified before they are visible.
 */
import type { BlobStore } from '../../store/types.js'

/** `store`, with uploads begun without their announced size (every other method as it is). */
export function withoutSizeHints(store: BlobStore): BlobStore {
  const wrapped: BlobStore = Object.create(store)
  wrapped.beginBlobUpload = (expected) =>
    store.beginBlobUpload(expected?.digest === undefined ? {} : { digest: expected.digest })
  return wrapped
}
