/** Reading bounded request bodies: the cap is enforced while streaming, never after buffering past it. */
import { FerryError } from '@ferry/protocol'
import { concatBytes } from '../bytes.js'

const overLimit = (max: number, size?: string) =>
  new FerryError(
    'PAYLOAD_TOO_LARGE',
    size === undefined
      ? `body exceeds the limit of ${max} bytes`
      : `body of ${size} bytes exceeds the limit of ${max} bytes`,
  )

/** Rejects early (413) when a declared Content-Length is over `max`. */
export function checkContentLength(req: Request, max: number, tooLarge = overLimit): void {
  const len = req.headers.get('content-length')
  if (len !== null && Number(len) > max) throw tooLarge(max, len)
}

/**
 * The body of `req` as bytes. Throws `PAYLOAD_TOO_LARGE` (from `tooLarge`) as soon as a declared
 * Content-Length or the bytes read so far pass `max`; the stream is then cancelled and never read further.
 * A body with a Content-Length (within `max`) is read whole: on @hono/node-server that keeps the adapter's
 * fast path, where a web stream costs several ms per request.
 */
export async function readCappedBytes(req: Request, max: number, tooLarge = overLimit): Promise<Uint8Array> {
  checkContentLength(req, max, tooLarge)
  if (req.headers.has('content-length')) {
    const bytes = new Uint8Array(await req.arrayBuffer())
    if (bytes.byteLength > max) throw tooLarge(max)
    return bytes
  }
  if (!req.body) return new Uint8Array(0)
  const reader = req.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > max) {
      await reader.cancel().catch(() => {})
      throw tooLarge(max)
    }
    chunks.push(value)
  }
  return concatBytes(chunks, size)
}

/** Reads a JSON body of at most `max` bytes (413 past it, 400 INVALID_JSON when it does not parse). */
export async function readJsonBody(req: Request, max: number): Promise<unknown> {
  const bytes = await readCappedBytes(req, max)
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes))
  } catch {
    throw new FerryError('INVALID_JSON', 'request body is not valid JSON')
  }
}

/**
 * Reads and drops what is left of a request body, for at most `maxMs` and `maxBytes`; true when it ended.
 * An HTTP/1.1 server that answers an upload early must do this, or closing the connection with unread bytes
 * resets it and the client never sees the answer. When it returns false, answer with `Connection: close`.
 */
export async function discardBody(
  body: ReadableStream<Uint8Array> | null,
  { maxMs, maxBytes }: { maxMs: number; maxBytes: number },
): Promise<boolean> {
  if (!body) return true
  if (body.locked) return false
  const reader = body.getReader()
  let timer: ReturnType<typeof setTimeout> | undefined
  const expired = new Promise<'expired'>((resolve) => {
    timer = setTimeout(() => resolve('expired'), maxMs)
  })
  let left = maxBytes
  try {
    for (;;) {
      const r = await Promise.race([reader.read(), expired])
      if (r === 'expired') return false
      if (r.done) return true
      left -= r.value.byteLength
      if (left < 0) return false
    }
  } catch {
    return false
  } finally {
    clearTimeout(timer)
    reader.cancel().catch(() => {})
  }
}
