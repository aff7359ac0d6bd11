/** `POST /v2/models/{m}[/versions/{v}]/infer`: JSON, or Triton's binary tensor data extension. */
import { type Context, Hono } from 'hono'
import type { EdgeCore } from '../core.js'
import { readBody } from '../http.js'
import { infer } from '../oip/infer.js'
import { decodeRestRequest, encodeRestResponse, HEADER_LENGTH, splitBody } from '../oip/rest.js'
import { DEFAULTS } from '../options.js'

export function inferRoutes(core: EdgeCore): Hono {
  const app = new Hono()
  const max = core.options.maxBodyBytes ?? DEFAULTS.maxBodyBytes
  const handle = async (c: Context, req: Request, name: string, version: string | undefined) => {
    const bytes = await readBody(req, max)
    const { json, binary } = splitBody(bytes, req.headers.get(HEADER_LENGTH) ?? undefined)
    const decoded = decodeRestRequest(json, binary)
    // The client's connection: when it goes, its queued request is cancelled.
    const result = await infer(core, name, version, decoded, req.signal)
    const { body, headers } = encodeRestResponse(result, decoded)
    return c.body(body as string, 200, headers)
  }
  app.post('/v2/models/:m/infer', (c) => handle(c, c.req.raw, c.req.param('m'), undefined))
  app.post('/v2/models/:m/versions/:v/infer', (c) => handle(c, c.req.raw, c.req.param('m'), c.req.param('v')))
  return app
}
