/**
 * The S3 store's transport on Node: the few requests the S3 client makes, sent with node:http(s) on
 * kept-alive connections instead of the global fetch (undici), behind the same `(Request) => Response`
 * signature. What it saves is per chunk, on blob bytes: an upload's chunks are written to the socket as they
 * come (fetch wants them joined into large ones to go fast), and a blob's answer stays a Node stream that
 * `serve()` pipes to the client (readable-body.ts), where fetch hands on a web stream of copies.
 * bench/registry-s3.mjs measures both against a bare node:http proxy.
 */
import http, { type IncomingMessage } from 'node:http'
import https from 'node:https'
import type { S3StoreConfig } from '../../store/s3/config.js'
import { readableBody } from './readable-body.js'

/** Answers up to this size are read whole before the Response is made, so their connection is free at once. */
const SMALL_ANSWER = 64 * 1024
/**
 * Bytes a streamed body may have queued on the socket before the next chunk waits for it to drain (waiting
 * on every chunk past the socket's 16 KiB mark costs more than the chunk's trip).
 */
const WRITE_AHEAD = 1024 * 1024
/** Statuses whose answers have no body (a Response refuses one). */
const NO_BODY = new Set([101, 204, 205, 304])

let agents: { http: http.Agent; https: https.Agent } | undefined

/** Sends `request` over node:http(s); resolves once the answer's head is in, like fetch. */
export function nodeS3Fetch(request: Request): Promise<Response> {
  agents ??= { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) }
  const url = new URL(request.url)
  const secure = url.protocol === 'https:'
  const headers: Record<string, string> = {}
  request.headers.forEach((v, k) => {
    headers[k] = v
  })
  const { signal } = request
  return new Promise<Response>((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason)
    const req = (secure ? https : http).request(url, {
      method: request.method,
      headers,
      agent: secure ? agents?.https : agents?.http,
    })
    const onAbort = () => req.destroy(signal.reason instanceof Error ? signal.reason : new Error('aborted'))
    signal.addEventListener('abort', onAbort, { once: true })
    req.on('error', (err) => {
      signal.removeEventListener('abort', onAbort)
      reject(err)
    })
    req.once('response', (res) => {
      signal.removeEventListener('abort', onAbort)
      answer(request.method, res).then(resolve, reject)
    })
    writeBody(request, req, headers).catch((err) => req.destroy(err))
  })
}

/** Writes the request's body (streamed when its length is given, else read whole first) and ends it. */
async function writeBody(request: Request, req: http.ClientRequest, headers: Record<string, string>) {
  if (request.body === null) return void req.end()
  if (headers['content-length'] === undefined) {
    const bytes = new Uint8Array(await request.arrayBuffer())
    req.setHeader('content-length', bytes.byteLength)
    return void req.end(bytes)
  }
  const reader = request.body.getReader()
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      if (req.destroyed) throw new Error('the request to the S3 store was closed')
      req.write(value)
      if (req.writableLength >= WRITE_AHEAD) await drained(req)
    }
    req.end()
  } catch (err) {
    await reader.cancel(err).catch(() => {})
    throw err
  }
}

const drained = (req: http.ClientRequest) =>
  new Promise<void>((resolve, reject) => {
    const done = (err?: Error) => {
      req.off('drain', done)
      req.off('close', closed)
      err ? reject(err) : resolve()
    }
    const closed = () => done(new Error('the request to the S3 store was closed'))
    req.once('drain', done)
    req.once('close', closed)
  })

/** The Response for an answer: small bodies read whole, others as a stream `serve()` can pipe. */
async function answer(method: string, res: IncomingMessage): Promise<Response> {
  const status = res.statusCode ?? 502
  const headers = new Headers()
  const raw = res.rawHeaders
  for (let i = 0; i + 1 < raw.length; i += 2) headers.append(raw[i] as string, raw[i + 1] as string)
  const init = { status, statusText: res.statusMessage ?? '', headers }
  if (method === 'HEAD' || NO_BODY.has(status)) {
    res.resume()
    return new Response(null, init)
  }
  const length = Number(res.headers['content-length'] ?? Number.NaN)
  if (length <= SMALL_ANSWER) {
    const chunks: Buffer[] = []
    for await (const chunk of res) chunks.push(chunk as Buffer)
    return new Response(Buffer.concat(chunks), init)
  }
  return new Response(readableBody(res), init)
}

/** The parts of an S3 store's config that make it send with node:http (spread into `createS3Store`'s). */
export function nodeS3Transport(): Pick<S3StoreConfig, 'fetch' | 'readChunkBytes' | 'writeChunkBytes'> {
  // Chunks go on as they come: joining them is a copy, and node:http sends small ones as fast.
  return { fetch: nodeS3Fetch, readChunkBytes: 0, writeChunkBytes: 0 }
}
