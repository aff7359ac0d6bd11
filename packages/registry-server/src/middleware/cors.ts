/** Open CORS for reads (and telemetry), so pages on other origins can load models. */
import type { MiddlewareHandler } from 'hono'

const EXPOSE = 'ETag, Content-Range, Content-Length, Accept-Ranges, Content-Location'
const ALLOW_HEADERS = 'Authorization, Content-Type, Range, If-None-Match, If-Range'

/**
 * Answers preflights and tags answers with `Access-Control-Allow-Origin: *`. Cross-origin pages may
 * GET/HEAD anything; they may POST only to `postPaths` (telemetry), never to write calls.
 */
export function openCors(postPaths: readonly string[] = []): MiddlewareHandler {
  return async (c, next) => {
    const methods = postPaths.includes(c.req.path) ? 'GET, HEAD, POST, OPTIONS' : 'GET, HEAD, OPTIONS'
    if (c.req.method === 'OPTIONS' && c.req.header('origin') !== undefined) {
      return new Response(null, {
        status: 204,
        headers: {
          'Access-Control-Allow-Origin': '*',
          'Access-Control-Allow-Methods': methods,
          'Access-Control-Allow-Headers': ALLOW_HEADERS,
          'Access-Control-Max-Age': '86400',
        },
      })
    }
    await next()
    c.res.headers.set('Access-Control-Allow-Origin', '*')
    c.res.headers.set('Access-Control-Expose-Headers', EXPOSE)
  }
}
