/** Serves the registry app over a Node HTTP socket (@hono/node-server), by default on an fs store. */
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { serve as honoServe } from '@hono/node-server'
import { createRegistryApp, type RegistryAppOptions } from '../../app.js'
import { resolveLimits } from '../../limits.js'
import { type StagingSweepOptions, stagingMaxAgeMs, startStagingSweep } from '../../store/sweep.js'
import type { BlobStore } from '../../store/types.js'
import { createFsStore } from './fs-store.js'
import { nodeSha256 } from './hash.js'
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
   * The periodic sweep of staging leftovers (uploads a killed process never finished). Default: on, for
   * leftovers older than 1.5 × the request timeout, every quarter of that (at most 5 min); false: off.
   */
  sweep?: Partial<Omit<StagingSweepOptions, 'onError'>> | false
}

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
    sweep,
    ...appOptions
  } = options
  const store = given ?? (storeDir === undefined ? undefined : createFsStore(storeDir))
  if (!store) throw new TypeError('serve() needs storeDir or store')
  const app = createRegistryApp({ createHash: nodeSha256, ...appOptions, store })
  const fetch = staticRoot === undefined ? app.fetch : withStaticSite(app.fetch, staticRoot)
  const server = await new Promise<Server>((resolve, reject) => {
    const s = honoServe({ fetch, port, hostname }, () => resolve(s as Server)) as Server
    s.once('error', reject)
  })
  // The app enforces its own request timeout; keep Node's from cutting long uploads short.
  server.requestTimeout = 0
  const sweeper =
    sweep === false
      ? null
      : startStagingSweep(store, {
          maxAgeMs: stagingMaxAgeMs(resolveLimits(appOptions.limits).requestTimeoutMs),
          ...sweep,
          onError: (err) => console.error(`ferry: staging sweep failed: ${(err as Error)?.message ?? err}`),
        })
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
