/** Bearer-token auth: 401 UNAUTHORIZED without a token, 403 FORBIDDEN with a wrong one. */
import { FerryError } from '@ferry/protocol'
import type { MiddlewareHandler } from 'hono'

const enc = new TextEncoder()

/** Compares in time that depends only on the lengths, not on where the inputs differ. */
export function timingSafeEqual(a: string, b: string): boolean {
  const x = enc.encode(a)
  const y = enc.encode(b)
  let diff = x.byteLength ^ y.byteLength
  const n = Math.max(x.byteLength, y.byteLength)
  for (let i = 0; i < n; i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0)
  return diff === 0
}

/** The token of an `Authorization: Bearer <token>` header, or null. */
export function bearerToken(header: string | undefined | null): string | null {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '')
  return m?.[1] ?? null
}

/** Middleware that lets a request through only with one of `tokens`. With no tokens, nothing gets through. */
export function requireToken(tokens: readonly string[], what = 'this call'): MiddlewareHandler {
  const list = tokens.filter((t) => t.length > 0)
  return async (c, next) => {
    const token = bearerToken(c.req.header('authorization'))
    if (token === null) {
      throw new FerryError('UNAUTHORIZED', `${what} needs "Authorization: Bearer <token>"`)
    }
    let ok = false
    for (const t of list) ok = timingSafeEqual(token, t) || ok
    if (!ok) {
      throw new FerryError(
        'FORBIDDEN',
        list.length === 0
          ? 'the registry has no tokens configured; start it with FERRY_TOKEN or --token-file'
          : 'token not accepted',
      )
    }
    await next()
  }
}
