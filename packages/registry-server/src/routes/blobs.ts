/** Blobs by digest: GET/HEAD (ETag, Range → 206, 416) and streamed, hashed uploads. */
import { FerryError, hasErrorCode } from '@ferry/protocol'
import { Hono } from 'hono'
import { checkContentLength, discardBody } from '../http/body.js'
import { matchesIfNoneMatch, parseRange } from '../http/conditional.js'
import type { AppEnv, RouteDeps } from '../http/env.js'
import { errorResponse } from '../http/errors.js'
import { nativeBodyOf, withNativeBody } from '../http/native-body.js'
import { digestParam } from '../http/params.js'
import type { Counter } from '../metrics/registry.js'
import { ingestBlob } from '../store/ingest.js'
import { IMMUTABLE } from './versions.js'

/**
 * Passes chunks through (pulling only on demand, so nothing extra is queued), counting bytes sent. A body an
 * adapter can send natively stays so, and counts what the adapter sends.
 */
function counted(body: ReadableStream<Uint8Array>, counter: Counter): ReadableStream<Uint8Array> {
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined
  const out = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        reader ??= body.getReader()
        const { done, value } = await reader.read()
        if (done) return controller.close()
        counter.inc(undefined, value.byteLength)
        controller.enqueue(value)
      },
      cancel: (reason) => (reader ?? body).cancel(reason),
    },
    { highWaterMark: 0 },
  )
  const native = nativeBodyOf(body)
  if (!native) return out
  return withNativeBody(out, {
    source: native.source,
    onBytes: (n) => {
      counter.inc(undefined, n)
      native.onBytes?.(n)
    },
  })
}

/** How much of a refused upload is read and dropped before answering (beyond it the connection is closed). */
const DISCARD = { maxMs: 10_000, maxBytes: 256 * 1024 * 1024 }

export function blobRoutes(deps: RouteDeps, bytesServed: Counter): Hono<AppEnv> {
  const { store, limits, requireWrite, createHash } = deps
  const r = new Hono<AppEnv>()

  // Hono routes HEAD to this GET handler (and drops the body); HEAD never opens the blob.
  r.get('/v1/blobs/:digest', async (c) => {
    const digest = digestParam(c.req.param('digest'))
    const info = await store.statBlob(digest)
    if (!info) throw new FerryError('BLOB_NOT_FOUND', `blob ${digest} is not on the registry`)
    const etag = `"${digest}"`
    const headers: Record<string, string> = {
      ETag: etag,
      'Accept-Ranges': 'bytes',
      'Cache-Control': IMMUTABLE,
      'Content-Type': 'application/octet-stream',
    }
    if (matchesIfNoneMatch(c.req.header('if-none-match'), etag)) return c.body(null, 304, headers)
    const ifRange = c.req.header('if-range')
    const rangeHeader = ifRange === undefined || ifRange === etag ? c.req.header('range') : undefined
    const parsed = parseRange(rangeHeader, info.size)
    if (parsed.kind === 'unsatisfiable') {
      const err = new FerryError(
        'RANGE_NOT_SATISFIABLE',
        `range "${rangeHeader}" is outside the blob's ${info.size} bytes`,
      )
      const res = errorResponse(c, err)
      res.headers.set('Content-Range', `bytes */${info.size}`)
      return res
    }
    if (deps.blobRedirectSeconds > 0 && store.blobUrl && c.req.method === 'GET') {
      // The client's Range (and the digest check it does on the bytes) carry over to the store's URL.
      const url = await store.blobUrl(digest, deps.blobRedirectSeconds)
      return c.body(null, 302, { Location: url, 'Cache-Control': 'no-store', ETag: etag })
    }
    const range = parsed.kind === 'range' ? parsed.range : undefined
    const status = range ? 206 : 200
    const length = range ? range.end - range.start + 1 : info.size
    headers['Content-Length'] = String(length)
    if (range) headers['Content-Range'] = `bytes ${range.start}-${range.end}/${info.size}`
    if (c.req.method === 'HEAD') return c.body(null, status, headers)
    const body = await store.readBlob(digest, range)
    if (!body) throw new FerryError('BLOB_NOT_FOUND', `blob ${digest} is not on the registry`)
    return c.body(counted(body, bytesServed), status, headers)
  })

  r.post('/v1/blobs', requireWrite, async (c) => {
    const expected = c.req.query('digest')
    const expectedDigest = expected === undefined ? undefined : digestParam(expected)
    checkContentLength(c.req.raw, limits.maxBlobBytes)
    const body = c.req.raw.body ?? new ReadableStream<Uint8Array>({ start: (ctl) => ctl.close() })
    const declared = Number(c.req.header('content-length') ?? Number.NaN)
    const result = await ingestBlob(store, body, {
      maxBytes: limits.maxBlobBytes,
      ...(Number.isSafeInteger(declared) && declared >= 0 ? { expectedSize: declared } : {}),
      createHash,
      signal: c.get('deadline'),
      ...(expectedDigest === undefined ? {} : { expectedDigest }),
    }).catch(async (err) => {
      // Refused midway by the store (full, read-only, …): read the rest so the client gets this answer. A
      // body over the limit is never read further: its connection is closed instead.
      if (hasErrorCode(err, 'PAYLOAD_TOO_LARGE')) await body.cancel(err).catch(() => {})
      else if (await discardBody(body, DISCARD)) throw err
      c.header('Connection', 'close')
      throw err
    })
    c.header('Location', `/v1/blobs/${result.digest}`)
    return c.json(result, 201)
  })

  return r
}
