/** HTTP plumbing shared by the routes: OIP error bodies, the bearer token, body limits, CORS. */
import { FerryError } from '@ferry/protocol'
import type { Context, MiddlewareHandler } from 'hono'
import { bearerAuth } from 'hono/bearer-auth'
import { cors } from 'hono/cors'
import { HTTPException } from 'hono/http-exception'
import type { ContentfulStatusCode } from 'hono/utils/http-status'

/** The OIP error answer: `{"error": "<message>"}`, plus Ferry's stable `code`. */
export function errorResponse(c: Context, err: FerryError): Response {
  return c.json({ error: err.message, code: err.code }, err.status as ContentfulStatusCode)
}

/** Any thrown error as an OIP error answer; unexpected ones are 500s and logged. */
export function onError(log: (line: string) => void) {
  return (err: Error, c: Context): Response => {
    if (err instanceof FerryError || (err as { code?: unknown }).code !== undefined) {
      const e = err as FerryError
      if (typeof e.status === 'number') return errorResponse(c, e)
    }
    if (err instanceof HTTPException) {
      if (err.res) return err.getResponse()
      const status = err.status
      return c.json(
        { error: err.message || 'request failed', code: status === 401 ? 'UNAUTHORIZED' : 'BAD_REQUEST' },
        status as ContentfulStatusCode,
      )
    }
    log(`unexpected error on ${c.req.method} ${c.req.path}: ${err.stack ?? err}`)
    return errorResponse(c, new FerryError('INTERNAL', 'internal error; see the server log'))
  }
}

/** Bearer token check (Hono's, compared in constant time), answering in the OIP error shape. */
export function requireToken(token: string | undefined): MiddlewareHandler {
  if (!token) return (_c, next) => next()
  const body = (code: string, error: string) => ({ error, code })
  return bearerAuth({
    token,
    noAuthenticationHeader: {
      message: body('UNAUTHORIZED', 'this route needs "Authorization: Bearer <token>"'),
    },
    invalidAuthenticationHeader: {
      message: body('UNAUTHORIZED', 'the Authorization header must be "Bearer <token>"'),
    },
    invalidToken: { message: body('UNAUTHORIZED', 'token not accepted') },
  })
}

const tooLarge = (max: number) =>
  new FerryError('PAYLOAD_TOO_LARGE', `the request body exceeds this server's limit of ${max} bytes`)

/**
 * Refuses (413) a body whose Content-Length is past `max` before it is read; bodies without one are capped
 * while they stream, by readBody. (Hono's bodyLimit reads every body as a web stream: on Node that trades
 * the adapter's fast path for a stream conversion, several ms per request.)
 */
export function limitBody(max: number): MiddlewareHandler {
  return async (c, next) => {
    const len = c.req.header('content-length')
    if (len !== undefined && Number(len) > max) return errorResponse(c, tooLarge(max))
    await next()
  }
}

/** A request body of at most `max` bytes (413 past it; a chunked body is cut off as soon as it passes). */
export async function readBody(req: Request, max: number): Promise<Uint8Array> {
  if (req.headers.has('content-length')) {
    const bytes = new Uint8Array(await req.arrayBuffer())
    if (bytes.byteLength > max) throw tooLarge(max)
    return bytes
  }
  if (!req.body) return new Uint8Array(0)
  const reader = req.body.getReader()
  const parts: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > max) {
      await reader.cancel().catch(() => {})
      throw tooLarge(max)
    }
    parts.push(value)
  }
  const out = new Uint8Array(size)
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.byteLength
  }
  return out
}

/** CORS for reads and infer: `*`, a list of origins, or none. */
export function corsFor(origins: '*' | string[] | false): MiddlewareHandler {
  if (origins === false) return (_c, next) => next()
  return cors({
    origin: origins,
    allowMethods: ['GET', 'HEAD', 'POST', 'OPTIONS'],
    allowHeaders: ['Authorization', 'Content-Type', 'Inference-Header-Content-Length'],
    exposeHeaders: ['Inference-Header-Content-Length'],
    maxAge: 86400,
  })
}
