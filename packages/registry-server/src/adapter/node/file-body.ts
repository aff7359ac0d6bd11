/**
 * A blob file's bytes, two ways. As a web ReadableStream for any consumer (reads on demand, one chunk ahead);
 * and, for Node's HTTP server, as a file range that `sendFileBody` writes straight to the socket
 * (file-send.ts), without the promise hops and per-chunk buffers of a web stream: where the time and memory
 * of 100 parallel downloads went (bench/registry-download.mjs).
 */
import type { FileHandle } from 'node:fs/promises'
import type { ServerResponse } from 'node:http'
import { nativeBodyOf, withNativeBody } from '../../http/native-body.js'
import { sendRange } from './file-send.js'
import { SingleReader } from './single-reader.js'

/** Bytes per read on the web-stream path (larger chunks: fewer hops per byte). */
const WEB_CHUNK = 192 * 1024

/** An open file range `[start, end)` that exactly one reader may take (see `claim`); the taker closes `fh`. */
class FileRange extends SingleReader {
  constructor(
    readonly fh: FileHandle,
    readonly start: number,
    readonly end: number,
  ) {
    super()
  }
}

/** `fh`'s bytes `[start, end)` as a web stream that a Node server may send natively; closes `fh` when done. */
export function fileBody(fh: FileHandle, start: number, end: number): ReadableStream<Uint8Array> {
  const range = new FileRange(fh, start, end)
  let pos = start
  let ahead: Promise<Uint8Array | null> | null = null
  let closed = false
  const close = async () => {
    if (closed) return
    closed = true
    await ahead?.catch(() => {})
    await fh.close().catch(() => {})
  }
  const read = async (): Promise<Uint8Array | null> => {
    const want = Math.min(WEB_CHUNK, end - pos)
    if (want <= 0) return null
    const at = pos
    pos += want
    // Not zero-filled: every byte is overwritten by the read (or cut off below).
    const buf = Buffer.allocUnsafeSlow(want)
    const { bytesRead } = await fh.read(buf, 0, want, at)
    if (bytesRead === 0) return null
    return bytesRead === want ? buf : buf.subarray(0, bytesRead)
  }
  const stream = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (!range.startWeb()) return controller.error(new Error('the file was handed to the server'))
        try {
          const chunk = await (ahead ?? read())
          ahead = null
          if (chunk === null) {
            await close()
            return controller.close()
          }
          controller.enqueue(chunk)
          // Read the next chunk while the consumer sends this one.
          if (pos < end) ahead = read()
        } catch (err) {
          ahead = null
          await close()
          controller.error(err)
        }
      },
      // Nothing is read until asked for, so a body that Node sends natively costs no read here.
      async cancel() {
        if (range.startWeb()) await close()
      },
    },
    { highWaterMark: 0 },
  )
  return withNativeBody(stream, { source: range })
}

/**
 * Sends `res` on `outgoing` natively when its body is a `fileBody` (possibly wrapped by the core), and closes
 * the file after. Returns false, having done nothing, for any other response.
 */
export function sendFileBody(res: Response, outgoing: ServerResponse): boolean {
  const native = nativeBodyOf(res.body)
  const range = native?.source
  if (!(range instanceof FileRange) || !range.claim()) return false
  res.body?.cancel().catch(() => {})
  outgoing.writeHead(res.status, Object.fromEntries(res.headers))
  sendRange(range.fh.fd, range.start, range.end, outgoing, {
    onBytes: native?.onBytes,
    done: () => void range.fh.close().catch(() => {}),
  })
  return true
}
