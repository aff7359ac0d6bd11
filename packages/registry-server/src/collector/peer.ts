/**
 * Finds the peer address of a request across server adapters (the one place that knows them):
 * `@hono/node-server` passes Node's IncomingMessage as `env.incoming`; `Deno.serve` passes
 * `{ remoteAddr }` as the second handler argument, which Hono exposes as `env`.
 */

/** The peer IP for a Hono `c.env`, or undefined when the platform does not tell it (e.g. app.request). */
export function peerAddress(env: unknown): string | undefined {
  const e = env as
    | { incoming?: { socket?: { remoteAddress?: unknown } }; remoteAddr?: { hostname?: unknown } }
    | undefined
  const node = e?.incoming?.socket?.remoteAddress
  if (typeof node === 'string') return node
  const deno = e?.remoteAddr?.hostname
  return typeof deno === 'string' ? deno : undefined
}

/**
 * The client address from a proxy header (for collectors behind a load balancer): the entry `hops` from
 * the right of `X-Forwarded-For`, i.e. the address your own proxy saw. Undefined when absent.
 */
export function forwardedAddress(headers: Headers, hops = 1, header = 'x-forwarded-for'): string | undefined {
  const list = headers
    .get(header)
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean)
  if (!list?.length) return undefined
  return list[Math.max(0, list.length - hops)]
}
