/**
 * Serves the registry app with `Deno.serve`, the Deno counterpart of the Node adapter's `serve()`: the same
 * app, the same periodic staging sweep. Deno.serve manages connections itself, so there is no idle timeout
 * or connection cap to set here.
 */
import { createRegistryApp, type RegistryAppOptions } from '../../app.js'
import { type StagingSweepOptions, serverSweep } from '../../store/sweep.js'
// Deno implements node:crypto natively: SHA-256 about 12x faster than the pure-JS default there.
import { nodeSha256 } from '../node/hash.js'
import type { RunningRegistry } from '../node/serve.js'
import { type DenoApi, deno } from './deno-api.js'
import { withoutSizeHints } from './store.js'

export interface DenoServeOptions extends RegistryAppOptions {
  /** Port to listen on; 0 (default) picks a free one. */
  port?: number
  /** Interface to bind. Default `127.0.0.1`. */
  hostname?: string
  /** The periodic sweep of staging leftovers, as for the Node adapter's `serve()`; false: off. */
  sweep?: Partial<Omit<StagingSweepOptions, 'onError'>> | false
  /** The Deno namespace (tests); default the global one. */
  deno?: DenoApi
}

/** Starts the registry on Deno; resolves once it listens. */
export async function serveOnDeno(options: DenoServeOptions): Promise<RunningRegistry> {
  const { port = 0, hostname = '127.0.0.1', sweep, deno: D = deno(), store, ...appOptions } = options
  const app = createRegistryApp({ createHash: nodeSha256, ...appOptions, store: withoutSizeHints(store) })
  let server: ReturnType<DenoApi['serve']> | undefined
  const bound = await new Promise<number>((resolve, reject) => {
    try {
      server = D.serve(
        {
          port,
          hostname,
          // Deno's default, pinned: with it on, Deno gzips JSON and weakens its ETag (W/"…"), so an ETag
          // from this instance would not match at a Node instance, which answers uncompressed.
          automaticCompression: false,
          onListen: (addr) => resolve(addr.port),
        },
        (req, info) => app.fetch(req, info),
      )
    } catch (err) {
      reject(err)
    }
  })
  const sweeper = serverSweep(store, appOptions.limits, sweep)
  const host = hostname === '0.0.0.0' || hostname === '::' ? 'localhost' : hostname
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${bound}`,
    port: bound,
    async close() {
      sweeper?.stop()
      // Graceful, but not forever: idle keep-alive connections would hold shutdown() open.
      let timer: ReturnType<typeof setTimeout> | undefined
      await Promise.race([server?.shutdown(), new Promise((r) => (timer = setTimeout(r, 2000)))])
      clearTimeout(timer)
    },
  }
}
