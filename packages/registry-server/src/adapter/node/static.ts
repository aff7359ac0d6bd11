/**
 * Serves a static site (the playground) from a folder next to the registry: every path outside the API
 * (`/v1/*`, `/metrics`) is looked up in the folder, unknown paths without an extension fall back to
 * `index.html` (an app shell), and the service worker is never cached by HTTP.
 */
import { serveStatic } from '@hono/node-server/serve-static'
import { Hono } from 'hono'

const API = /^\/(v1(\/|$)|metrics$)/

/** Wraps the registry's fetch so that non-API paths are answered from `root`. */
export function withStaticSite(
  apiFetch: (req: Request) => Response | Promise<Response>,
  root: string,
): (req: Request) => Promise<Response> {
  const site = new Hono()
  site.use('*', async (c, next) => {
    await next()
    const p = c.req.path
    if (p === '/' || p.endsWith('.html') || p.endsWith('sw.js') || p.endsWith('.webmanifest')) {
      c.header('Cache-Control', 'no-cache')
    }
  })
  site.use('*', serveStatic({ root }))
  site.get('*', (c, next) => {
    if (/\.[a-z0-9]+$/i.test(c.req.path)) return next()
    return serveStatic({ root, path: 'index.html' })(c, next)
  })
  site.notFound(() => new Response(null, { status: 404 }))
  return async (req) => {
    const path = new URL(req.url).pathname
    if (API.test(path) || (req.method !== 'GET' && req.method !== 'HEAD')) return apiFetch(req)
    const res = await site.fetch(req)
    return res.status === 404 ? apiFetch(req) : res
  }
}
