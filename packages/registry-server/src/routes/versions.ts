/** Versions: GET a manifest, POST (publish) the next version, DELETE a version. */
import { FerryError, parseManifestDraft } from '@ferry/protocol'
import { Hono } from 'hono'
import { readJsonBody } from '../http/body.js'
import type { AppEnv, RouteDeps } from '../http/env.js'
import { nameParam, versionParam } from '../http/params.js'
import { publishVersion, requireManifest } from '../store/registry.js'
import { manifestResponse } from './manifest-response.js'

export const IMMUTABLE = 'public, max-age=31536000, immutable'

export function versionRoutes(deps: RouteDeps): Hono<AppEnv> {
  const { store, limits, requireWrite, createHash, now } = deps
  const r = new Hono<AppEnv>()

  r.get('/v1/models/:name/versions/:version', async (c) => {
    const name = nameParam(c.req.param('name'))
    const version = versionParam(c.req.param('version'))
    const manifest = await requireManifest(store, name, version)
    return manifestResponse(c, manifest, createHash, IMMUTABLE)
  })

  r.post('/v1/models/:name/versions', requireWrite, async (c) => {
    const name = nameParam(c.req.param('name'))
    const draft = parseManifestDraft(await readJsonBody(c.req.raw, limits.maxManifestBytes))
    const manifest = await publishVersion(store, name, draft, now)
    c.header('Location', `/v1/models/${name}/versions/${manifest.version}`)
    return c.json({ version: manifest.version }, 201)
  })

  r.delete('/v1/models/:name/versions/:version', requireWrite, async (c) => {
    const name = nameParam(c.req.param('name'))
    const version = versionParam(c.req.param('version'))
    await requireManifest(store, name, version)
    // One compare-and-swap with alias changes: ALIAS_IN_USE while an alias points at it.
    if (!(await store.deleteManifest(name, version))) {
      throw new FerryError('VERSION_NOT_FOUND', `model "${name}" has no version ${version}`)
    }
    return c.body(null, 204)
  })

  return r
}
