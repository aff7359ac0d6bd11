/** One place that turns any thrown error into Ferry's JSON error body. */
import { ERROR_CODES, FerryError } from '@ferry/protocol'
import type { Context } from 'hono'
import { HTTPException } from 'hono/http-exception'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import { storeFailure } from '../store/errors.js'

/** A JSON error answer. */
export function errorResponse(c: Context, err: FerryError): Response {
  return c.json(err.toJSON(), err.status as ContentfulStatusCode)
}

function statusCode(status: number): FerryError['code'] {
  const byStatus = Object.entries(ERROR_CODES).find(([, s]) => s === status)
  return (byStatus?.[0] as FerryError['code'] | undefined) ?? (status >= 500 ? 'INTERNAL' : 'BAD_REQUEST')
}

/**
 * Maps FerryError (and Hono's HTTPException) onto their status, a store's own failure (disk full, read-only,
 * …) onto 507/503 (logging what the client is not told, such as paths); anything else is a 500 INTERNAL.
 */
export function onError(err: Error, c: Context): Response {
  const failure = storeFailure(err)
  if (failure) return onError(failure, c)
  if (err instanceof FerryError) {
    if (err.status >= 500 && err.cause !== undefined)
      console.error(`ferry registry: ${err.message}:`, err.cause)
    return errorResponse(c, err)
  }
  if (err instanceof HTTPException) {
    return errorResponse(
      c,
      new FerryError(statusCode(err.status), err.message || 'request failed', { status: err.status }),
    )
  }
  console.error('ferry registry: unexpected error', err)
  return errorResponse(c, new FerryError('INTERNAL', 'internal error; see the server log'))
}

/** Unknown routes. */
export function notFound(c: Context): Response {
  return errorResponse(c, new FerryError('NOT_FOUND', `no route for ${c.req.method} ${c.req.path}`))
}
