/** HTTP plumbing shared by the routes: OIP error bodies, the bearer token, body limits, CORS. */
import { FerryError } from '@ferry/protocol'
import { checkContentLength, readCappedBytes } from '@ferry/registry-server'
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

/** Refuses (413) a body whose Content-Length is past `max` before it is read (chunked ones: readBody). */
export function limitBody(max: number): MiddlewareHandler {
  return async (c, next) => {
    try {
      checkContentLength(c.req.raw, max, tooLarge)
    } catch (err) {
      return errorResponse(c, err as FerryError)
    }
    await next()
  }
}

/** A request body of at most `max` bytes (413 past it; a chunked body is cut off as soon as it passes). */
export const readBody = (req: Request, max: number): Promise<Uint8Array> =>
  readCappedBytes(req, max, tooLarge)

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
