/** Aliases: GET resolves (with `latest` built in), PUT points, DELETE removes. */
import { FerryError, LATEST } from '@ferry/protocol'
import { Hono } from 'hono'
import { readJsonBody } from '../http/body.js'
import type { AppEnv, RouteDeps } from '../http/env.js'
import { aliasParam, nameParam, versionParam } from '../http/params.js'
import { requireManifest, resolveAlias } from '../store/registry.js'
import { manifestResponse } from './manifest-response.js'

function writableAlias(raw: string | undefined): string {
  const alias = aliasParam(raw)
  if (alias === LATEST)
    throw new FerryError(
      'INVALID_ALIAS',
      '"latest" is built in (the highest version) and cannot be set or deleted',
    )
  return alias
}

export function aliasRoutes({ store, limits, requireWrite, createHash }: RouteDeps): Hono<AppEnv> {
  const r = new Hono<AppEnv>()

  r.get('/v1/models/:name/aliases/:alias', async (c) => {
    const name = nameParam(c.req.param('name'))
    const alias = aliasParam(c.req.param('alias'))
    const version = await resolveAlias(store, name, alias)
    const manifest = await requireManifest(store, name, version)
    return manifestResponse(c, manifest, createHash, 'no-cache')
  })

  r.put('/v1/models/:name/aliases/:alias', requireWrite, async (c) => {
    const name = nameParam(c.req.param('name'))
    const alias = writableAlias(c.req.param('alias'))
    const body = await readJsonBody(c.req.raw, limits.maxManifestBytes)
    const raw = (body as { version?: unknown } | null)?.version
    if (typeof raw !== 'number')
      throw new FerryError('INVALID_VERSION', 'body must be {"version": <positive integer>}')
    const version = versionParam(raw)
    await requireManifest(store, name, version)
    // Checked again atomically with version deletes: a version deleted since answers 404.
    await store.setAlias(name, alias, version)
    return c.json({ name, alias, version })
  })

  r.delete('/v1/models/:name/aliases/:alias', requireWrite, async (c) => {
    const name = nameParam(c.req.param('name'))
    const alias = writableAlias(c.req.param('alias'))
    if (!(await store.deleteAlias(name, alias))) {
      throw new FerryError('ALIAS_NOT_FOUND', `model "${name}" has no alias "${alias}"`)
    }
    return c.body(null, 204)
  })

  return r
}
