/** Counts requests and times them, labelled by route pattern (bounded), method and status. */
import type { MiddlewareHandler } from 'hono'
import { matchedRoutes } from 'hono/route'
import { type Counter, DURATION_BUCKETS, type Histogram, type MetricsRegistry } from '../metrics/registry.js'

export interface HttpMetrics {
  requests: Counter
  duration: Histogram
  bytesServed: Counter
}

/** Registers (or finds) the registry's own HTTP series. */
export function httpMetrics(registry: MetricsRegistry): HttpMetrics {
  return {
    requests: registry.counter({
      name: 'ferry_http_requests_total',
      help: 'HTTP requests answered, by route pattern, method and status.',
      labelNames: ['route', 'method', 'status'],
    }),
    duration: registry.histogram({
      name: 'ferry_http_request_duration_seconds',
      help: 'Time until the answer started, by route pattern and method.',
      labelNames: ['route', 'method'],
      buckets: DURATION_BUCKETS,
    }),
    bytesServed: registry.counter({
      name: 'ferry_blob_bytes_served_total',
      help: 'Blob bytes sent to clients.',
    }),
  }
}

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH'])

export function recordHttp(m: HttpMetrics, now: () => number = () => performance.now()): MiddlewareHandler {
  return async (c, next) => {
    const start = now()
    try {
      await next()
    } finally {
      // The last matched route that is not a catch-all middleware is the handler's pattern.
      const handler = matchedRoutes(c).findLast((r) => r.method !== 'ALL')
      const route = handler?.path ?? 'unmatched'
      const method = METHODS.has(c.req.method) ? c.req.method : 'other'
      m.requests.inc({ route, method, status: String(c.res.status) })
      m.duration.observe({ route, method }, (now() - start) / 1000)
    }
  }
}
