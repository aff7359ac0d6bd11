/**
 * Response bodies a platform adapter may send by its own means. A store can attach a platform source to the
 * web stream it returns (the fs store: an open file range); the core carries it along when it wraps the
 * stream (to count bytes), and an adapter that knows the source (Node's `serve()`) sends the bytes itself,
 * without a web-stream hop per chunk. Any other host just reads the stream: the core never depends on this.
 */

/** What travels with a stream: the platform's source and who wants to hear about bytes sent. */
export interface NativeBody {
  readonly source: unknown
  readonly onBytes?: (n: number) => void
}

const bodies = new WeakMap<ReadableStream<Uint8Array>, NativeBody>()

/** Attaches `body` to `stream`; returns the stream. */
export function withNativeBody<T extends ReadableStream<Uint8Array>>(stream: T, body: NativeBody): T {
  bodies.set(stream, body)
  return stream
}

/** The native body attached to `stream`, if any. */
export function nativeBodyOf(stream: ReadableStream<Uint8Array> | null | undefined): NativeBody | undefined {
  return stream ? bodies.get(stream) : undefined
}
