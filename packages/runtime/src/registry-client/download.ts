/** Downloads a blob by digest as a stream into one buffer, resuming with `Range` after a broken transfer. */
import { errorFromResponse, FerryError, type FileEntry, paths } from '@ferry/protocol'
import { type BlobCheck, checkDigest } from '../cache/digest.js'
import { type RegistryContext, registryFetch } from './resolve.js'

/** Bytes of an interrupted download, kept so the next attempt (even a later load) resumes. */
export interface PartialDownload {
  buf: Uint8Array
  loaded: number
}

export interface DownloadOptions {
  signal?: AbortSignal | undefined
  /** Called with each change in bytes held (negative when a server ignored `Range` and we restart). */
  onBytes: (delta: number) => void
  /** Interrupted downloads by digest; shared across loads. */
  partials: Map<string, PartialDownload>
  /** Gets each piece once it is in the buffer, with its offset (the piece is the caller's then). */
  onPiece?: ((piece: Uint8Array, at: number) => void) | undefined
  /** Bypass the HTTP cache (after these bytes once failed verification, the cached copy is suspect). */
  reload?: boolean
}

/** Fetches `file`'s bytes (unverified: call `verifyDigest`). */
export async function downloadBlob(
  ctx: RegistryContext,
  file: FileEntry,
  opts: DownloadOptions,
): Promise<Uint8Array> {
  const { signal, onBytes, partials } = opts
  const prev = partials.get(file.digest)
  partials.delete(file.digest)
  const buf = prev?.buf.byteLength === file.size ? prev.buf : new Uint8Array(file.size)
  let loaded = prev?.buf === buf ? prev.loaded : 0
  if (loaded > 0) onBytes(loaded)
  let failures = 0
  let lastError: unknown
  for (;;) {
    if (loaded === file.size) return buf
    // Three resumes after the first request, then the load fails (and a later one resumes).
    if (failures > 3) {
      if (loaded > 0) partials.set(file.digest, { buf, loaded })
      throw new FerryError(
        'REGISTRY_UNREACHABLE',
        `download of ${file.path} broke off at ${loaded}/${file.size} bytes: ${String(lastError)}`,
        { cause: lastError },
      )
    }
    // Registry answers (errors, a wrong range, bytes past the size) fail the download; a broken
    // connection or body is retried from where it stopped.
    try {
      const res = await registryFetch(ctx, paths.blob(file.digest), {
        headers: loaded > 0 ? { range: `bytes=${loaded}-` } : {},
        signal: signal ?? null,
        ...(opts.reload ? { cache: 'reload' } : {}),
      })
      if (res.status === 206 && !res.headers.get('content-range')?.startsWith(`bytes ${loaded}-`)) {
        await res.body?.cancel()
        throw new FerryError('REGISTRY_ERROR', `the registry sent ${file.path} from the wrong offset`)
      }
      if (res.status === 200 && loaded > 0) {
        onBytes(-loaded)
        loaded = 0
      } else if (res.status !== 206 && res.status !== 200) {
        throw await errorFromResponse(res)
      }
      const reader = (res.body as ReadableStream<Uint8Array>).getReader()
      for (;;) {
        const { done, value } = await reader.read()
        if (done) break
        if (loaded + value.byteLength > file.size)
          throw new FerryError(
            'INTEGRITY_MISMATCH',
            `${file.path} is larger than the ${file.size} bytes its manifest declares`,
          )
        const n = value.byteLength
        buf.set(value, loaded)
        opts.onPiece?.(value, loaded)
        loaded += n
        onBytes(n)
      }
      if (loaded < file.size) throw new Error('the body ended early')
    } catch (err) {
      if (err instanceof FerryError && err.code !== 'REGISTRY_UNREACHABLE') throw err
      if (signal?.aborted) throw new FerryError('ABORTED', 'the load was aborted')
      failures++
      lastError = err
    }
  }
}

/**
 * Throws INTEGRITY_MISMATCH unless `bytes` hash to `file.digest`; such bytes are never run. With `helper`
 * the hashing runs on that worker (given the bytes as they arrived, else a copy now); if it fails, here.
 */
export async function verifyDigest(
  file: FileEntry,
  bytes: Uint8Array,
  helper?: BlobCheck | null,
): Promise<void> {
  const ok = bytes.byteLength === file.size && (await checkDigest(bytes, file.digest, helper))
  helper?.stop()
  if (!ok)
    throw new FerryError(
      'INTEGRITY_MISMATCH',
      `${file.path} (${bytes.byteLength} bytes) does not match ${file.digest}`,
    )
}
