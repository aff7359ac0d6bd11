/** Downloads a blob by digest as a stream into one buffer, resuming with `Range` after a broken transfer. */
import { digestHex, FerryError, type FileEntry, paths } from '@ferry/protocol'
import { errorFromResponse, type RegistryContext, registryFetch } from './resolve.js'

/** Bytes of an interrupted download, kept so the next attempt (even a later load) resumes. */
export interface PartialDownload {
  buf: Uint8Array
  loaded: number
}

export interface DownloadOptions {
  signal?: AbortSignal
  /** Called with each change in bytes held (negative when a server ignored `Range` and we restart). */
  onBytes?: (delta: number) => void
  /** Interrupted downloads by digest; shared across loads. */
  partials?: Map<string, PartialDownload>
  /** Resume attempts after the first request (default 3). */
  retries?: number
  /** Bypass the HTTP cache (after these bytes once failed verification, the cached copy is suspect). */
  reload?: boolean
}

const contentRangeStart = (h: string | null) => {
  const m = /^bytes (\d+)-/.exec(h ?? '')
  return m ? Number(m[1]) : -1
}

/** Fetches `file`'s bytes (unverified: call `verifyDigest`). */
export async function downloadBlob(
  ctx: RegistryContext,
  file: FileEntry,
  opts: DownloadOptions = {},
): Promise<Uint8Array> {
  const { signal, onBytes = () => {}, partials } = opts
  const prev = partials?.get(file.digest)
  partials?.delete(file.digest)
  const buf = prev?.buf.byteLength === file.size ? prev.buf : new Uint8Array(file.size)
  let loaded = prev?.buf === buf ? prev.loaded : 0
  if (loaded > 0) onBytes(loaded)
  let failures = 0
  let lastError: unknown
  for (;;) {
    if (loaded === file.size) return buf
    if (failures > (opts.retries ?? 3)) {
      if (loaded > 0) partials?.set(file.digest, { buf, loaded })
      throw new FerryError(
        'REGISTRY_UNREACHABLE',
        `download of ${file.path} broke off at ${loaded}/${file.size} bytes: ${String(lastError)}`,
        { cause: lastError },
      )
    }
    const headers: Record<string, string> = loaded > 0 ? { range: `bytes=${loaded}-` } : {}
    const init: RequestInit = {
      headers,
      ...(signal ? { signal } : {}),
      ...(opts.reload ? { cache: 'reload' } : {}),
    }
    let res: Response
    try {
      res = await registryFetch(ctx, paths.blob(file.digest), init)
    } catch (err) {
      if ((err as FerryError).code === 'ABORTED') throw err
      failures++
      lastError = err
      continue
    }
    if (res.status === 206 && contentRangeStart(res.headers.get('content-range')) !== loaded) {
      await res.body?.cancel()
      throw new FerryError(
        'REGISTRY_ERROR',
        `registry answered a Range request for ${file.path} with the wrong range`,
      )
    }
    if (res.status === 200 && loaded > 0) {
      onBytes(-loaded)
      loaded = 0
    } else if (res.status !== 206 && res.status !== 200) {
      throw await errorFromResponse(res)
    }
    if (!res.body) {
      failures++
      lastError = new Error('empty body')
      continue
    }
    const reader = res.body.getReader()
    try {
      for (;;) {
        const { done, value } = await reader.read()
        if (done) break
        if (loaded + value.byteLength > file.size)
          throw new FerryError(
            'INTEGRITY_MISMATCH',
            `${file.path} is larger than the ${file.size} bytes its manifest declares`,
          )
        buf.set(value, loaded)
        loaded += value.byteLength
        onBytes(value.byteLength)
      }
      lastError = null
      if (loaded < file.size) {
        failures++
        lastError = new Error(`body ended at ${loaded}/${file.size} bytes`)
      }
    } catch (err) {
      if ((err as FerryError).code === 'INTEGRITY_MISMATCH') throw err
      if (signal?.aborted) throw new FerryError('ABORTED', 'the load was aborted')
      failures++
      lastError = err
    }
  }
}

/** Hex SHA-256 of `bytes` (crypto.subtle). */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>))
  let s = ''
  for (const b of d) s += b.toString(16).padStart(2, '0')
  return s
}

/** Throws INTEGRITY_MISMATCH unless `bytes` hash to `file.digest`; such bytes are never run. */
export async function verifyDigest(file: FileEntry, bytes: Uint8Array): Promise<void> {
  const got = await sha256Hex(bytes)
  if (bytes.byteLength !== file.size || got !== digestHex(file.digest))
    throw new FerryError(
      'INTEGRITY_MISMATCH',
      `${file.path}: expected ${file.digest} (${file.size} bytes), got sha256:${got} (${bytes.byteLength} bytes)`,
    )
}
