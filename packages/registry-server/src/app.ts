/**
 * The registry as a Hono app, built from its parts: a BlobStore, write tokens and limits.
 * Platform-free: the Node adapter (`./adapter/node`) serves it over a socket with the fs store.
 */
import { Hono } from 'hono'
import type { AppEnv, RouteDeps } from './http/env.js'
import { notFound, onError } from './http/errors.js'
import { type RegistryLimits, resolveLimits } from './limits.js'
import { MetricsRegistry } from './metrics/registry.js'
import { requireToken } from './middleware/auth.js'
import { openCors } from './middleware/cors.js'
import { httpMetrics, recordHttp } from './middleware/metrics.js'
import { parseOrigins, refuseCrossOriginWrites } from './middleware/origin.js'
import { requestTimeout } from './middleware/timeout.js'
import { aliasRoutes } from './routes/aliases.js'
import { blobRoutes } from './routes/blobs.js'
import { docsRoutes } from './routes/docs.js'
import { healthRoutes } from './routes/health.js'
import { metricsRoutes } from './routes/metrics.js'
import { modelRoutes } from './routes/models.js'
import { collectorRoutes, type TelemetryAppOptions } from './routes/telemetry.js'
import { versionRoutes } from './routes/versions.js'
import { type HashFactory, nobleSha256 } from './store/hash.js'
import type { BlobStore } from './store/types.js'

export interface RegistryAppOptions {
  store: BlobStore
  /** Tokens accepted for write calls (`Authorization: Bearer <token>`). Empty: every write is refused. */
  tokens: readonly string[]
  limits?: Partial<RegistryLimits>
  /** When true, reads under /v1 need a token too (health, docs and the OpenAPI document stay open). */
  readAuth?: boolean
  /** Registry that /metrics renders; pass one to share it with the telemetry collector. */
  metrics?: MetricsRegistry
  /** SHA-256 used to hash uploads; the Node adapter passes node:crypto's. Default: pure JS. */
  createHash?: HashFactory
  /** Clock for `createdAt` (tests). */
  now?: () => Date
  /** Telemetry collector limits (body size, events per batch, rates) and how to find a client's address. */
  telemetry?: TelemetryAppOptions
  /**
   * Origins (`https://app.example.com`) whose pages may make write calls from a browser; `*` allows any.
   * Default: none, so a write from a page on another origin is refused (403) even with a valid token.
   */
  corsWriteOrigins?: readonly string[]
  /**
   * Answer blob GETs with a 302 to a short-lived URL from the store (S3: a presigned GET), so the bytes
   * bypass the registry; `true` means URLs valid for 300 s. Stores without such URLs serve bytes as usual.
   */
  blobRedirect?: boolean | { expiresInSeconds: number }
}

/** Paths a cross-origin page may POST to (the telemetry collector's). */
const CORS_POST_PATHS = ['/v1/telemetry']
/** Reads that stay open when `readAuth` is on. */
const OPEN_READS = new Set(['/v1/health', '/v1/openapi.json', '/v1/docs'])

/** Builds the registry app. Every answer is JSON except blobs, /metrics and the docs page. */
export function createRegistryApp(options: RegistryAppOptions): Hono<AppEnv> {
  const limits = resolveLimits(options.limits)
  const metrics = options.metrics ?? new MetricsRegistry()
  const http = httpMetrics(metrics)
  const deps: RouteDeps = {
    store: options.store,
    limits,
    metrics,
    createHash: options.createHash ?? nobleSha256,
    now: options.now ?? (() => new Date()),
    requireWrite: requireToken(options.tokens, 'this write call'),
    blobRedirectSeconds:
      options.blobRedirect === true ? 300 : options.blobRedirect ? options.blobRedirect.expiresInSeconds : 0,
  }

  const app = new Hono<AppEnv>()
  app.onError(onError)
  app.notFound(notFound)
  app.use('*', recordHttp(http))
  const writeOrigins = parseOrigins(options.corsWriteOrigins ?? [])
  app.use('*', openCors(CORS_POST_PATHS, writeOrigins))
  app.use('*', refuseCrossOriginWrites(writeOrigins, CORS_POST_PATHS))
  app.use('*', requestTimeout(limits.requestTimeoutMs))
  if (options.readAuth) {
    const readToken = requireToken(options.tokens, 'reading this registry')
    app.on(['GET', 'HEAD'], '/v1/*', (c, next) => (OPEN_READS.has(c.req.path) ? next() : readToken(c, next)))
  }

  app.route('/', healthRoutes())
  app.route('/', modelRoutes(deps))
  app.route('/', versionRoutes(deps))
  app.route('/', aliasRoutes(deps))
  app.route('/', blobRoutes(deps, http.bytesServed))
  app.route('/', metricsRoutes(deps))
  app.route('/', docsRoutes())
  // Telemetry collector (POST /v1/telemetry, its series in `deps.metrics`) mounts here.
  app.route('/', collectorRoutes(deps, options.telemetry))

  return app
}
