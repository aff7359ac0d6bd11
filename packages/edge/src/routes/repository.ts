/**
 * Triton's model repository extension (`POST /v2/repository/index`, `…/models/{m}/load`, `…/unload`) and
 * statistics extension (`GET /v2/models[/{m}[/versions/{v}]]/stats`).
 */
import { FerryError, type ModelListing } from '@ferry/protocol'
import { Hono } from 'hono'
import type { EdgeCore } from '../core.js'
import { readBody } from '../http.js'
import { parseSelector } from '../models/manager.js'

const isObject = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x)

/** An optional JSON body (`{}` when empty). */
async function optionalJson(req: Request): Promise<Record<string, unknown>> {
  const text = new TextDecoder().decode(await readBody(req, 1024 * 1024))
  if (text.trim() === '') return {}
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch (e) {
    throw new FerryError('INVALID_JSON', `the request body is not valid JSON: ${(e as Error).message}`)
  }
  if (!isObject(body)) throw new FerryError('BAD_REQUEST', 'the request body must be a JSON object')
  return body
}

export function repositoryRoutes(core: EdgeCore): Hono {
  const app = new Hono()
  app.post('/v2/repository/index', async (c) => {
    const body = await optionalJson(c.req.raw)
    if (body.ready !== undefined && typeof body.ready !== 'boolean')
      throw new FerryError('BAD_REQUEST', '"ready" must be true or false')
    const rows: { name: string; version?: string; state: string; reason: string }[] = []
    const served = core.models.entriesNow()
    for (const e of served)
      rows.push(
        e.model
          ? { name: e.name, version: String(e.model.version), state: 'READY', reason: e.lastError ?? '' }
          : { name: e.name, state: 'LOADING', reason: '' },
      )
    try {
      const res = await (core.options.fetch ?? fetch)(new URL('/v1/models', core.options.registry).href, {
        signal: AbortSignal.timeout(5000),
      })
      if (res.ok) {
        const { models } = (await res.json()) as ModelListing
        for (const m of models)
          if (!served.some((e) => e.name === m.name))
            rows.push({
              name: m.name,
              version: String(m.latestVersion),
              state: 'UNAVAILABLE',
              reason: 'not loaded',
            })
      } else await res.body?.cancel()
    } catch {
      // registry unreachable: the index lists what is loaded
    }
    return c.json(body.ready === true ? rows.filter((r) => r.state === 'READY') : rows)
  })
  app.post('/v2/repository/models/:m/load', async (c) => {
    const body = await optionalJson(c.req.raw)
    const params = isObject(body.parameters) ? body.parameters : {}
    const version = params.version
    if (version !== undefined && typeof version !== 'string' && typeof version !== 'number')
      throw new FerryError('BAD_REQUEST', 'parameter "version" must be a version number or an alias')
    await core.models.load(c.req.param('m'), version === undefined ? undefined : String(version))
    return c.body(null, 200)
  })
  app.post('/v2/repository/models/:m/unload', async (c) => {
    await optionalJson(c.req.raw)
    await core.models.unload(c.req.param('m'))
    return c.body(null, 200)
  })
  return app
}

export function statsRoutes(core: EdgeCore): Hono {
  const app = new Hono()
  app.get('/v2/models/stats', (c) => c.json({ model_stats: core.metrics.modelStats() }))
  app.get('/v2/models/:m/stats', (c) => {
    const name = c.req.param('m')
    const stats = core.metrics.modelStats(name)
    if (stats.length === 0 && !core.models.peek(name))
      throw new FerryError('MODEL_NOT_FOUND', `no statistics for model "${name}": it was never loaded here`)
    return c.json({ model_stats: stats })
  })
  app.get('/v2/models/:m/versions/:v/stats', (c) => {
    const name = c.req.param('m')
    const v = parseSelector(c.req.param('v'))
    const version = typeof v === 'number' ? v : core.models.peek(name, c.req.param('v'))?.version
    const stats = version === undefined ? [] : core.metrics.modelStats(name, version)
    if (stats.length === 0)
      throw new FerryError(
        'VERSION_NOT_FOUND',
        `no statistics for ${name} version ${c.req.param('v')}: it was never loaded here`,
      )
    return c.json({ model_stats: stats })
  })
  return app
}
