/** Serves the edge on Node: the Hono app over HTTP/1.1 (@hono/node-server) and gRPC beside it. */
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { nodeBackends } from '@ferry/runtime/node'
import { serve as honoServe } from '@hono/node-server'
import { createEdgeApp, type EdgeApp } from '../app.js'
import { createEdgeCore } from '../core.js'
import { startGrpc } from '../grpc/server.js'
import { DEFAULTS, type EdgeOptions } from '../options.js'

export interface ServeEdgeOptions extends EdgeOptions {
  /** HTTP port (0: a free one). Default 8000. */
  port?: number
  /** gRPC port (0: a free one), or null for no gRPC. Default 8001. */
  grpcPort?: number | null
  /** Interface to bind. Default 127.0.0.1. */
  host?: string
}

export interface RunningEdge {
  /** `http://host:port` of the REST API. */
  url: string
  port: number
  /** The gRPC port, or null when gRPC is off. */
  grpcPort: number | null
  app: EdgeApp
  /** Stops both listeners, then unloads the models (requests in flight finish first). */
  close(): Promise<void>
}

const shown = (host: string) =>
  host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host

/** Starts the server; resolves once both listeners are bound. */
export async function serveEdge(options: ServeEdgeOptions): Promise<RunningEdge> {
  const { port = 8000, grpcPort = 8001, host = '127.0.0.1', ...rest } = options
  const grpcInfo: { served: boolean; port?: number; reason?: string } =
    grpcPort === null ? { served: false, reason: 'gRPC is off (--grpc-port off)' } : { served: true }
  // On Node: onnxruntime-node first (cuda where offered, else cpu), onnxruntime-web's WASM last.
  const withBackends = { engineBackends: () => nodeBackends(), ...rest }
  const core = createEdgeCore({ ...withBackends, grpc: grpcInfo })
  const app = createEdgeApp(withBackends, core)
  const grpc =
    grpcPort === null
      ? null
      : await startGrpc(core, host, grpcPort, rest.maxBodyBytes ?? DEFAULTS.maxBodyBytes)
  if (grpc) grpcInfo.port = grpc.port
  let server: Server
  try {
    server = await new Promise<Server>((resolve, reject) => {
      const s = honoServe({ fetch: app.fetch, port, hostname: host }, () => resolve(s as Server)) as Server
      s.once('error', reject)
    })
  } catch (err) {
    await grpc?.close()
    await core.close()
    throw err
  }
  server.requestTimeout = 0
  const bound = (server.address() as AddressInfo).port
  return {
    url: `http://${shown(host)}:${bound}`,
    port: bound,
    grpcPort: grpc?.port ?? null,
    app,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeIdleConnections()
        setTimeout(() => server.closeAllConnections(), 2000).unref()
      })
      await grpc?.close()
      await core.close()
    },
  }
}
