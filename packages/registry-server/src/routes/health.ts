/** GET /v1/health. */
import { Hono } from 'hono'
import type { AppEnv } from '../http/env.js'

export function healthRoutes(): Hono<AppEnv> {
  return new Hono<AppEnv>().get('/v1/health', (c) => c.json({ status: 'ok' }))
}
