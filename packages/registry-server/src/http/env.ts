/** The Hono environment shared by the registry's middleware and routes. */
import type { MiddlewareHandler } from 'hono'
import type { RegistryLimits } from '../limits.js'
import type { MetricsRegistry } from '../metrics/registry.js'
import type { HashFactory } from '../store/hash.js'
import type { BlobStore } from '../store/types.js'

export interface AppEnv {
  Variables: {
    /** Aborted when the request runs past `limits.requestTimeoutMs`. */
    deadline: AbortSignal
  }
}

/** What route factories are given. */
export interface RouteDeps {
  store: BlobStore
  limits: RegistryLimits
  metrics: MetricsRegistry
  createHash: HashFactory
  now: () => Date
  /** Middleware that lets only holders of a write token through. */
  requireWrite: MiddlewareHandler<AppEnv>
  /** When > 0, blob GETs redirect to a store URL valid this long (where the store has them). */
  blobRedirectSeconds: number
}
