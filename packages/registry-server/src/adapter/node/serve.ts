/** Serves the registry app over a Node HTTP socket (@hono/node-server), by default on an fs store. */
import { IncomingMessage, type Server, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { FerryError } from '@ferry/protocol'
import { type Http2Bindings, type HttpBindings, serve as honoServe } from '@hono/node-server'
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response'
import { createRegistryApp, type RegistryAppOptions } from '../../app.js'
import { type StagingSweepOptions, serverSweep } from '../../store/sweep.js'
import type { BlobStore } from '../../store/types.js'
import { connectionGuard } from './connections.js'
import { sendFileBody } from './file-body.js'
import { createFsStore } from './fs-store.js'
import { nodeSha256 } from './hash.js'
import { readableBody, sendReadableBody } from './readable-body.js'
import { withStaticSite } from './static.js'

export interface ServeOptions extends Omit<RegistryAppOptions, 'store'> {
  /** Port to listen on; 0 (default) picks a free one. */
  port?: number
  /** Interface to bind. Default `127.0.0.1`. */
  hostname?: string
  /** Folder of the fs store (created on first write). Ignored when `store` is given. */
  storeDir?: string
  /** Any other store. */
  store?: BlobStore
  /** A folder served at `/` next to the API (the playground); unknown paths fall back to its index.html. */
  staticRoot?: string
  /**
   * A connection on which no bytes move either way for this long is closed, in ms: a download whose client
   * stopped reading, a stalled upload, a client that never finishes its headers. 0 turns it off. Default 30 s.
   */
  idleTimeoutMs?: number
  /**
   * Most connections served at once. Past it, requests get 503 SERVER_BUSY (`Retry-After`) and the
   * connection is closed, except `/v1/health`, which a small reserve of extra connections keeps answering;
   * connections past that reserve are dropped as they arrive. 0 turns it off. Default 1000.
   */
  maxConnections?: number
  /**
   * The periodic sweep of staging leftovers (uploads a killed process never finished). Default: on, for
   * leftovers older than 1.5 × the request timeout, every quarter of that (at most 5 min); false: off.
   */
  sweep?: Partial<Omit<StagingSweepOptions, 'onError'>> | false
}

export const DEFAULT_IDLE_TIMEOUT_MS = 30_000
export const DEFAULT_MAX_CONNECTIONS = 1000

export interface RunningRegistry {
  /** Base URL without the `/v1` prefix, e.g. `http://127.0.0.1:8080`. */
  url: string
  port: number
  /** Stops listening and drops open connections. */
  close(): Promise<void>
}

/** Starts the registry; resolves once it listens. */
export async function serve(options: ServeOptions): Promise<RunningRegistry> {
  const {
    port = 0,
    hostname = '127.0.0.1',
    storeDir,
    store: given,
    staticRoot,
    idleTimeoutMs = DEFAULT_IDLE_TIMEOUT_MS,
    maxConnections = DEFAULT_MAX_CONNECTIONS,
    sweep,
    ...appOptions
  } = options
  for (const [name, v] of [
    ['idleTimeoutMs', idleTimeoutMs],
    ['maxConnections', maxConnections],
  ] as const) {
    if (!(Number.isInteger(v) && v >= 0)) throw new RangeError(`${name} must be a whole number >= 0 (0: off)`)
  }
  const store = given ?? (storeDir === undefined ? undefined : createFsStore(storeDir))
  if (!store) throw new TypeError('serve() needs storeDir or store')
  const app = createRegistryApp({ createHash: nodeSha256, ...appOptions, store })
  const appFetch = staticRoot === undefined ? app.fetch : withStaticSite(app.fetch, staticRoot)
  const guard = connectionGuard(maxConnections)
  const fetch = async (req: Request, env: HttpBindings | Http2Bindings) => {
    if (guard.busy() && new URL(req.url).pathname !== '/v1/health') return busy()
    const res = await appFetch(withUncopiedBody(req, env.incoming), env)
    // Blob bytes go to the socket natively (see file-body.ts, readable-body.ts); the rest through the adapter.
    const out = env.outgoing
    return out instanceof ServerResponse && (sendFileBody(res, out) || sendReadableBody(res, out))
      ? RESPONSE_ALREADY_SENT
      : res
  }
  const server = await new Promise<Server>((resolve, reject) => {
    const s = honoServe({ fetch, port, hostname }, () => resolve(s as Server)) as Server
    s.once('error', reject)
  })
  // The app enforces its own request timeout; keep Node's from cutting long uploads short.
  server.requestTimeout = 0
  // No 'timeout' listener: Node destroys a socket idle this long, mid-response included.
  server.timeout = idleTimeoutMs
  guard.attach(server)
  const sweeper = serverSweep(store, appOptions.limits, sweep)
  const bound = (server.address() as AddressInfo).port
  const host =
    hostname === '0.0.0.0' || hostname === '::'
      ? 'localhost'
      : hostname.includes(':')
        ? `[${hostname}]`
        : hostname
  return {
    url: `http://${host}:${bound}`,
    port: bound,
    close: () =>
      new Promise<void>((resolve, reject) => {
        sweeper?.stop()
        server.close((err) => (err ? reject(err) : resolve()))
        server.closeAllConnections()
      }),
  }
}

/** Bodies past this size (or of unknown size) reach the app uncopied; smaller ones keep the adapter's fast reads. */
const LARGE_BODY = 1024 * 1024

/**
 * `req` with a large body read straight from `incoming` (readable-body.ts): @hono/node-server hands it on
 * through `Readable.toWeb`, which copies every chunk, and an upload's chunks already cross a hash and the
 * store's own streams.
 */
function withUncopiedBody(
  req: Request,
  incoming: HttpBindings['incoming'] | Http2Bindings['incoming'],
): Request {
  if (!(incoming instanceof IncomingMessage) || req.method === 'GET' || req.method === 'HEAD') return req
  const length = Number(incoming.headers['content-length'] ?? Number.NaN)
  if (length <= LARGE_BODY) return req
  return new Request(req.url, {
    method: req.method,
    headers: req.headers,
    body: readableBody(incoming),
    signal: req.signal,
    duplex: 'half',
  } as RequestInit)
}

function busy(): Response {
  const err = new FerryError(
    'SERVER_BUSY',
    'the registry is serving as many connections as it may; retry shortly',
  )
  return new Response(JSON.stringify(err.toJSON()), {
    status: err.status,
    headers: { 'content-type': 'application/json', 'retry-after': '1', connection: 'close' },
  })
}
