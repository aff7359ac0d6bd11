/** `POST /v1/telemetry` (CORS-open): hands client batches to the collector. */
import { paths } from '@ferry/protocol'
import { type Context, Hono } from 'hono'
import { cors } from 'hono/cors'
import { type Collector, type CollectorLimits, createCollector } from '../collector/collector.js'
import { peerAddress } from '../collector/peer.js'
import { knownModelsFromStore } from '../collector/store-source.js'
import type { MetricsRegistry } from '../metrics/registry.js'
import type { BlobStore } from '../store/types.js'

export interface TelemetryRouteOptions {
  /**
   * The address that per-IP rate limits apply to. Default: the socket's peer address. Behind a load
   * balancer pass e.g. `(c) => forwardedAddress(c.req.raw.headers)`; return undefined to skip IP limits.
   */
  clientIp?: (c: Context) => string | undefined
}

/** What `createRegistryApp({ telemetry })` accepts. */
export interface TelemetryAppOptions extends TelemetryRouteOptions {
  limits?: Partial<CollectorLimits>
}

/** A Hono sub-app serving the telemetry path; mount it with `app.route('/', telemetryRoutes(collector))`. */
export function telemetryRoutes(collector: Collector, options: TelemetryRouteOptions = {}): Hono {
  const clientIp = options.clientIp ?? ((c: Context) => peerAddress(c.env))
  const app = new Hono()
  app.use(
    paths.telemetry(),
    cors({ origin: '*', allowMethods: ['POST', 'OPTIONS'], allowHeaders: ['Content-Type'], maxAge: 86_400 }),
  )
  app.post(paths.telemetry(), (c) => collector.handle(c.req.raw, clientIp(c)))
  return app
}

/** The collector for a registry app: labels bounded by `store`, series registered on `metrics`. */
export function collectorRoutes(
  deps: { store: BlobStore; metrics: MetricsRegistry },
  options: TelemetryAppOptions = {},
): Hono {
  const collector = createCollector({
    metrics: deps.metrics,
    knownModels: knownModelsFromStore(deps.store),
    ...(options.limits ? { limits: options.limits } : {}),
  })
  return telemetryRoutes(collector, options)
}
