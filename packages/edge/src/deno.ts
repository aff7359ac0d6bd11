/**
 * `ferry-edge` on Deno: `deno run --allow-net --allow-read --allow-env packages/edge/dist/deno.js --registry
 * URL …` with the same flags and environment as on Node. REST only (see DENO_GRPC); model bytes in Deno's
 * Cache API, so a restart with the registry down serves what was cached.
 */

import { denoBackends } from '@ferry/runtime/deno'
import { DENO_GRPC, type DenoApi, deno } from './adapter/deno-env.js'
import { createEdgeApp } from './app.js'
import { helpText, parseArgs } from './cli/args.js'
import { EDGE_VERSION } from './options.js'

const D: DenoApi = deno()
const parse = () => {
  try {
    return parseArgs(D.args, D.env.toObject())
  } catch (err) {
    console.error(`ferry-edge: ${(err as Error).message}`)
    return D.exit(2)
  }
}
const parsed = parse()
if ('help' in parsed) {
  console.log(helpText())
  D.exit(0)
}
if ('version' in parsed) {
  console.log(EDGE_VERSION)
  D.exit(0)
}
if (!('options' in parsed)) D.exit(2)
const { port = 8000, host = '127.0.0.1', grpcPort: _grpc, cacheDir: _dir, ...options } = parsed.options
const app = createEdgeApp({ ...options, engineBackends: denoBackends(), grpc: DENO_GRPC })
const server = D.serve(
  {
    port,
    hostname: host,
    onListen: ({ hostname, port }) => {
      const url = `http://${hostname === '0.0.0.0' ? 'localhost' : hostname}:${port}`
      console.error(
        `ferry-edge (Deno): REST ${url}/v2, registry ${options.registry}; gRPC ${DENO_GRPC.reason}`,
      )
      console.log(JSON.stringify({ url, grpcPort: null }))
    },
  },
  app.fetch,
)
const stop = async () => {
  // Graceful, but not forever: idle keep-alive connections would hold shutdown() open.
  await Promise.race([server.shutdown(), new Promise((r) => setTimeout(r, 2000))])
  await app.edge.close()
  D.exit(0)
}
D.addSignalListener('SIGINT', () => void stop())
D.addSignalListener('SIGTERM', () => void stop())
