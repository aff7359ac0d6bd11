/**
 * For `deno serve` and edge platforms: a module whose default export is `{ fetch }`. Configured by the same
 * environment variables as the CLI (FERRY_REGISTRY, FERRY_EDGE_MODELS, …) and by arguments after the
 * module; `deno serve` itself picks the port. REST only (see DENO_GRPC).
 */

import { denoBackends } from '@ferry/runtime/deno'
import { DENO_GRPC, type DenoApi, deno } from './adapter/deno-env.js'
import { createEdgeApp } from './app.js'
import { parseArgs } from './cli/args.js'

const D: DenoApi = deno()
const parsed = parseArgs(D.args, D.env.toObject())
if (!('options' in parsed))
  throw new Error('deno serve: pass the server options as environment variables or arguments')
const { port: _p, host: _h, grpcPort: _g, cacheDir: _c, ...options } = parsed.options
const app = createEdgeApp({ ...options, engineBackends: denoBackends(), grpc: DENO_GRPC })

export default { fetch: app.fetch }
