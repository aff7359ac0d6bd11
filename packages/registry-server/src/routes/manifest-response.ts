/** Answers a manifest as JSON with a content ETag, honouring If-None-Match. */
import type { Manifest } from '@ferry/protocol'
import type { Context } from 'hono'
import { matchesIfNoneMatch } from '../http/conditional.js'
import type { HashFactory } from '../store/hash.js'

const enc = new TextEncoder()

export function manifestResponse(
  c: Context,
  manifest: Manifest,
  createHash: HashFactory,
  cacheControl: string,
): Response {
  const json = JSON.stringify(manifest)
  const h = createHash()
  h.update(enc.encode(json))
  const etag = `"${h.hex().slice(0, 32)}"`
  const headers: Record<string, string> = {
    ETag: etag,
    'Cache-Control': cacheControl,
    'Content-Location': `/v1/models/${manifest.name}/versions/${manifest.version}`,
  }
  if (matchesIfNoneMatch(c.req.header('if-none-match'), etag)) return c.body(null, 304, headers)
  return c.body(json, 200, { ...headers, 'Content-Type': 'application/json; charset=utf-8' })
}
