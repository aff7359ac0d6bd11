/** Open CORS for reads (and telemetry), so pages on other origins can load models; writes from allowed origins. */
import type { MiddlewareHandler } from 'hono'
import { originAllowed } from './origin.js'

const EXPOSE = 'ETag, Content-Range, Content-Length, Accept-Ranges, Content-Location'
const ALLOW_HEADERS = 'Authorization, Content-Type, Range, If-None-Match, If-Range'

/**
 * Answers preflights and tags answers with `Access-Control-Allow-Origin: *`. Cross-origin pages may
 * GET/HEAD anything and POST to `postPaths` (telemetry); write calls only from `writeOrigins` (see
 * origin.ts, which refuses the others whatever their preflight said).
 */
export function openCors(
  postPaths: readonly string[] = [],
  writeOrigins: readonly string[] = [],
): MiddlewareHandler {
  return async (c, next) => {
    const origin = c.req.header('origin')
    const methods = originAllowed(origin, writeOrigins)
      ? 'GET, HEAD, POST, PUT, DELETE, OPTIONS'
      : postPaths.includes(c.req.path)
        ? 'GET, HEAD, POST, OPTIONS'
        : 'GET, HEAD, OPTIONS'
    if (c.req.method === 'OPTIONS' && origin !== undefined) {
      return new Response(null, {
        status: 204,
        headers: {
          'Access-Control-Allow-Origin': '*',
          'Access-Control-Allow-Methods': methods,
          'Access-Control-Allow-Headers': ALLOW_HEADERS,
          'Access-Control-Max-Age': '86400',
          Vary: 'Origin',
        },
      })
    }
    await next()
    c.res.headers.set('Access-Control-Allow-Origin', '*')
    c.res.headers.set('Access-Control-Expose-Headers', EXPOSE)
  }
}
