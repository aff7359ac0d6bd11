/**
 * `createEdgeApp(options)`: the Open Inference Protocol server as a Hono app (KServe v2 REST, Triton's
 * binary data, repository and statistics extensions, `/metrics`). Platform-free: mount or deploy it
 * wherever Hono runs; the Node and Deno adapters serve it over sockets (and gRPC beside it on Node).
 */
import { FerryError } from '@ferry/protocol'
import { PROMETHEUS_CONTENT_TYPE } from '@ferry/registry-server'
import { Hono } from 'hono'
import { createEdgeCore, type EdgeCore } from './core.js'
import { corsFor, errorResponse, limitBody, onError, requireToken } from './http.js'
import { DEFAULTS, type EdgeOptions } from './options.js'
import { inferRoutes } from './routes/infer.js'
import { metadataRoutes } from './routes/metadata.js'
import { repositoryRoutes, statsRoutes } from './routes/repository.js'

/** The Hono app, with the server behind it (models, metrics, `close()`). */
export type EdgeApp = Hono & { edge: EdgeCore }

/** Builds the app on a new core (or on `core`, to share one with a gRPC listener). */
export function createEdgeApp(options: EdgeOptions, core: EdgeCore = createEdgeCore(options)): EdgeApp {
  const log = options.log ?? ((line: string) => console.error(`ferry-edge: ${line}`))
  const app = new Hono()
  app.onError(onError(log))
  app.notFound((c) =>
    errorResponse(
      c,
      new FerryError(
        'NOT_FOUND',
        `no route for ${c.req.method} ${c.req.path}; this server answers the Open Inference Protocol under /v2 (GET /v2 describes it) and /metrics`,
      ),
    ),
  )
  const cors = corsFor(options.cors ?? '*')
  const auth = requireToken(options.token)
  const limit = limitBody(options.maxBodyBytes ?? DEFAULTS.maxBodyBytes)
  app.use('/v2/repository/*', auth, limit)
  app.use('/v2/*', async (c, next) => (c.req.path.startsWith('/v2/repository/') ? next() : cors(c, next)))
  app.use('/v2/models/:m/infer', auth, limit)
  app.use('/v2/models/:m/versions/:v/infer', auth, limit)
  app.route('/', statsRoutes(core))
  app.route('/', repositoryRoutes(core))
  app.route('/', inferRoutes(core))
  app.route('/', metadataRoutes(core))
  app.get('/metrics', async (c) => {
    const engine = await core.engine.stats().catch(() => [])
    return c.body(core.metrics.render({ loaded: core.models.loaded(), engine }), 200, {
      'content-type': PROMETHEUS_CONTENT_TYPE,
    })
  })
  return Object.assign(app, { edge: core })
}
