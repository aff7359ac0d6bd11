/** Reading bounded request bodies. */
import { FerryError } from '@ferry/protocol'

/** Rejects early (413) when a declared Content-Length is over `max`. */
export function checkContentLength(req: Request, max: number): void {
  const len = req.headers.get('content-length')
  if (len !== null && Number(len) > max) {
    throw new FerryError('PAYLOAD_TOO_LARGE', `body of ${len} bytes exceeds the limit of ${max} bytes`)
  }
}

/** Reads a JSON body of at most `max` bytes (413 past it, 400 INVALID_JSON when it does not parse). */
export async function readJsonBody(req: Request, max: number): Promise<unknown> {
  checkContentLength(req, max)
  const chunks: Uint8Array[] = []
  let size = 0
  if (req.body) {
    const reader = req.body.getReader()
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      size += value.byteLength
      if (size > max) {
        await reader.cancel().catch(() => {})
        throw new FerryError('PAYLOAD_TOO_LARGE', `body exceeds the limit of ${max} bytes`)
      }
      chunks.push(value)
    }
  }
  const all = new Uint8Array(size)
  let off = 0
  for (const c of chunks) {
    all.set(c, off)
    off += c.byteLength
  }
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(all))
  } catch {
    throw new FerryError('INVALID_JSON', 'request body is not valid JSON')
  }
}
