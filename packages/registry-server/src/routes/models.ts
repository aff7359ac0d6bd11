/** Model listing and detail: GET /v1/models, GET /v1/models/{name}. */
import { FerryError, type ModelDetail, type ModelListing, manifestSize } from '@ferry/protocol'
import { Hono } from 'hono'
import type { AppEnv, RouteDeps } from '../http/env.js'
import { nameParam } from '../http/params.js'
import { liveVersions } from '../store/registry.js'

export function modelRoutes({ store }: RouteDeps): Hono<AppEnv> {
  const r = new Hono<AppEnv>()

  r.get('/v1/models', async (c) => {
    const names = await store.listModels()
    const rows = await Promise.all(
      names.map(async (name) => {
        const [live, aliases] = await Promise.all([liveVersions(store, name), store.getAliases(name)])
        const latestVersion = live.at(-1)
        return latestVersion === undefined ? null : { name, latestVersion, aliases }
      }),
    )
    const body: ModelListing = { models: rows.filter((m) => m !== null) }
    c.header('Cache-Control', 'no-cache')
    return c.json(body)
  })

  r.get('/v1/models/:name', async (c) => {
    const name = nameParam(c.req.param('name'))
    const live = await liveVersions(store, name)
    if (live.length === 0) throw new FerryError('MODEL_NOT_FOUND', `model "${name}" does not exist`)
    const [manifests, aliases] = await Promise.all([
      Promise.all(live.map((v) => store.getManifest(name, v))),
      store.getAliases(name),
    ])
    const versions = manifests
      .filter((m) => m !== null)
      .map((m) => ({ version: m.version, createdAt: m.createdAt, size: manifestSize(m) }))
    const body: ModelDetail = { name, versions, aliases }
    c.header('Cache-Control', 'no-cache')
    return c.json(body)
  })

  return r
}
