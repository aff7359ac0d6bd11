/**
 * The connection cap of `serve()`: counts open connections; past `max` the server answers requests busy
 * (health excepted), and past `max + HEALTH_RESERVE` Node drops new connections as they arrive, so a flood
 * of clients can hold neither unbounded descriptors nor memory, while health checks still get through.
 */
import type { Server } from 'node:http'

/** Connections accepted past the cap, so `/v1/health` and the busy answers can still be given. */
export const HEALTH_RESERVE = 32

export interface ConnectionGuard {
  /** True while more than the cap are open (the request being answered included). */
  busy(): boolean
  attach(server: Server): void
}

/** A guard for at most `max` connections; 0 means no cap. */
export function connectionGuard(max: number): ConnectionGuard {
  let open = 0
  return {
    busy: () => max > 0 && open > max,
    attach(server) {
      if (max === 0) return
      server.maxConnections = max + HEALTH_RESERVE
      server.on('connection', (socket) => {
        open++
        socket.once('close', () => {
          open--
        })
      })
    },
  }
}
