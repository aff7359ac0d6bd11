/**
 * A Node stream's bytes, two ways, like a blob file's (file-body.ts). As a web ReadableStream that takes the
 * stream's own chunks (no copy, unlike `Readable.toWeb`, which copies every chunk) and starts reading only
 * when pulled; and, for Node's HTTP server, as the stream itself, which `sendReadableBody` pipes to the
 * socket without a web-stream hop per chunk. Used for bodies that come from the network: an S3 answer
 * (s3-fetch.ts) on its way to a client, an upload on its way into the store.
 */
import type { ServerResponse } from 'node:http'
import type { Readable } from 'node:stream'
import { pipeline } from 'node:stream'
import { nativeBodyOf, withNativeBody } from '../../http/native-body.js'
import { SingleReader } from './single-reader.js'

/** A readable that exactly one consumer may take: the web stream or a native sender (see `claim`). */
class ReadableSource extends SingleReader {
  constructor(readonly readable: Readable) {
    super()
  }
}

/** Bytes read ahead of the web stream's consumer before `readable` is paused. */
const READ_AHEAD = 256 * 1024

/**
 * `readable`'s bytes as a web stream, chunk for chunk (a chunk must not be changed by whoever reads it).
 * Reading starts on the first pull and stays up to READ_AHEAD bytes ahead (pausing after every chunk costs
 * more than the chunk's trip); cancelling destroys `readable`.
 */
export function readableBody(readable: Readable): ReadableStream<Uint8Array> {
  const source = new ReadableSource(readable)
  let controller!: ReadableStreamDefaultController<Uint8Array>
  let attached = false
  let over = false
  const fail = (err: unknown) => {
    if (over) return
    over = true
    controller.error(err)
  }
  // Errors are heard from the start (an unheard 'error' event would end the process); data only once pulled.
  readable.on('error', (err) => attached && fail(err))
  readable.once('close', () => {
    if (attached && !over) fail(new Error('the connection closed before the body ended'))
  })
  const attach = () => {
    attached = true
    if (readable.errored) return fail(readable.errored)
    if (readable.destroyed) return fail(new Error('the connection closed before the body ended'))
    readable.on('data', (chunk: Uint8Array) => {
      controller.enqueue(chunk)
      if ((controller.desiredSize ?? 0) <= -READ_AHEAD) readable.pause()
    })
    readable.once('end', () => {
      if (over) return
      over = true
      controller.close()
    })
  }
  const stream = new ReadableStream<Uint8Array>(
    {
      start(c) {
        controller = c
      },
      pull() {
        if (!source.startWeb()) return fail(new Error('the stream was handed to the server'))
        if (!attached) attach()
        else if (readable.isPaused()) readable.resume()
      },
      // A readable handed to the server is its to finish.
      cancel(reason) {
        over = true
        if (source.startWeb()) readable.destroy(reason instanceof Error ? reason : undefined)
      },
    },
    // Pulled only when a read waits; the queue's size is counted in bytes.
    { highWaterMark: 0, size: (chunk) => chunk.byteLength },
  )
  return withNativeBody(stream, { source })
}

/**
 * Sends `res` on `outgoing` by piping its body's readable when the body is a `readableBody` (possibly wrapped
 * by the core). Returns false, having done nothing, for any other response. A failure of the readable midway
 * destroys the response (its Content-Length cannot be met); a client that goes away destroys the readable.
 */
export function sendReadableBody(res: Response, outgoing: ServerResponse): boolean {
  const native = nativeBodyOf(res.body)
  const source = native?.source
  if (!(source instanceof ReadableSource) || !source.claim()) return false
  res.body?.cancel().catch(() => {})
  outgoing.writeHead(res.status, Object.fromEntries(res.headers))
  const { readable } = source
  const onBytes = native?.onBytes
  if (onBytes) readable.on('data', (chunk: Uint8Array) => onBytes(chunk.byteLength))
  pipeline(readable, outgoing, () => {})
  return true
}
