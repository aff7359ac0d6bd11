/** Reads a request body as text with a byte cap enforced while streaming, never buffering past the cap. */
import { FerryError } from '@ferry/protocol'

/**
 * The body of `req` as UTF-8 text. Throws `PAYLOAD_TOO_LARGE` as soon as a declared `Content-Length` or
 * the bytes read so far pass `maxBytes` (the stream is cancelled, the rest is never read).
 */
export async function readCappedText(req: Request, maxBytes: number): Promise<string> {
  const tooLarge = () =>
    new FerryError(
      'PAYLOAD_TOO_LARGE',
      `telemetry body is larger than ${maxBytes} bytes; send smaller batches`,
    )
  const declared = req.headers.get('content-length')
  if (declared !== null && Number(declared) > maxBytes) throw tooLarge()
  if (!req.body) return ''
  const reader = req.body.getReader()
  const chunks: Uint8Array[] = []
  let total = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    total += value.byteLength
    if (total > maxBytes) {
      await reader.cancel().catch(() => {})
      throw tooLarge()
    }
    chunks.push(value)
  }
  if (chunks.length === 1) return decoder.decode(chunks[0])
  const all = new Uint8Array(total)
  let off = 0
  for (const c of chunks) {
    all.set(c, off)
    off += c.byteLength
  }
  return decoder.decode(all)
}

const decoder = new TextDecoder()
