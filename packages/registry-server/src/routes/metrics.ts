/** GET /metrics: the whole metrics registry (the server's series and the collector's) in Prometheus text. */
import { Hono } from 'hono'
import type { AppEnv, RouteDeps } from '../http/env.js'
import { PROMETHEUS_CONTENT_TYPE } from '../metrics/registry.js'

export function metricsRoutes({ metrics }: RouteDeps): Hono<AppEnv> {
  return new Hono<AppEnv>().get('/metrics', (c) =>
    c.body(metrics.render(), 200, { 'Content-Type': PROMETHEUS_CONTENT_TYPE, 'Cache-Control': 'no-store' }),
  )
}
