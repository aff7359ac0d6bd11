/**
 * Refuses write calls made by browser pages on other origins. A cross-origin POST needs no CORS approval to
 * reach the server (POST is a safelisted method, and a preflight that allows `Authorization` is enough), so
 * a page holding a token could publish from anywhere; only origins in an allow-list may.
 * The rule is Go's `http.CrossOriginProtection` (net/http, 1.25):
 *   - GET, HEAD and OPTIONS always pass, and so do exempt paths (telemetry);
 *   - `Sec-Fetch-Site: same-origin` or `none` (typed in, a bookmark) passes;
 *   - an `Origin` in the allow-list passes;
 *   - any other `Sec-Fetch-Site` (`same-site`, `cross-site`) is refused;
 *   - without `Sec-Fetch-Site` (older browsers), an `Origin` whose host is not the request's is refused;
 *   - a request with neither header (the CLI, curl, another server) passes: it comes from no page.
 */
import { FerryError } from '@ferry/protocol'
import type { MiddlewareHandler } from 'hono'

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

/** Normalizes allow-list entries to origins (`https://app.example.com`); `*` allows every origin. */
export function parseOrigins(list: readonly string[]): string[] {
  return list.map((o) => {
    if (o === '*') return o
    let url: URL
    try {
      url = new URL(o)
    } catch {
      throw new TypeError(
        `"${o}" is not an origin; write it as scheme://host[:port], e.g. https://app.example.com`,
      )
    }
    if (url.origin === 'null' || (url.pathname !== '/' && url.pathname !== '') || url.search || url.hash) {
      throw new TypeError(
        `"${o}" is not an origin; write it as scheme://host[:port], e.g. https://app.example.com`,
      )
    }
    return url.origin
  })
}

/** True when a browser page on `origin` may make write calls under an allow-list. */
export function originAllowed(origin: string | undefined, allowed: readonly string[]): boolean {
  return origin !== undefined && (allowed.includes('*') || allowed.includes(origin))
}

/** Middleware applying the rule above; `allowOrigins` as given by parseOrigins. */
export function refuseCrossOriginWrites(
  allowOrigins: readonly string[],
  exemptPaths: readonly string[] = [],
): MiddlewareHandler {
  return async (c, next) => {
    if (SAFE_METHODS.has(c.req.method) || exemptPaths.includes(c.req.path)) return next()
    const origin = c.req.header('origin')
    const site = c.req.header('sec-fetch-site')
    if (site === 'same-origin' || site === 'none' || originAllowed(origin, allowOrigins)) return next()
    const host = c.req.header('host') ?? new URL(c.req.url).host
    const foreign = site !== undefined || (origin !== undefined && hostOf(origin) !== host)
    if (!foreign) return next()
    const from = origin ?? `a ${site} page`
    throw new FerryError(
      'FORBIDDEN',
      `${c.req.method} ${c.req.path} from ${from} refused: the registry takes write calls from pages on other ` +
        `origins only when started with --cors-write-origin ${origin ?? '<origin>'}`,
    )
  }
}

function hostOf(origin: string): string | undefined {
  try {
    return new URL(origin).host
  } catch {
    return undefined
  }
}
