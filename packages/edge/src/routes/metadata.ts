/** Health, server metadata and model metadata/readiness (KServe v2 `required_api`). */
import { FerryError, type TensorSpec } from '@ferry/protocol'
import { oipDatatype } from '@ferry/protocol/oip'
import { Hono } from 'hono'
import type { EdgeCore } from '../core.js'
import type { LoadedModel } from '../engine.js'

/** A tensor's OIP metadata: variable dims are -1. */
export function tensorMetadata(t: TensorSpec) {
  return {
    name: t.name,
    datatype: oipDatatype(t.dtype),
    shape: t.shape.map((d) => (typeof d === 'number' ? d : -1)),
  }
}

/**
 * The model metadata answer (also gRPC's, which keeps only the OIP fields), with Ferry's own: the version
 * answering, the backend it runs on, and its manifest — whose `files` carry each file's sha256, so a
 * client (the runtime's placement) can check this server runs the very version it resolved.
 */
export function modelMetadata(m: LoadedModel, versions: string[]) {
  return {
    name: m.name,
    versions,
    platform: 'onnxruntime_onnx',
    inputs: m.manifest.inputs.map(tensorMetadata),
    outputs: m.manifest.outputs.map(tensorMetadata),
    version: String(m.version),
    backend: m.backend,
    ...(m.fallback ? { fallback: m.fallback } : {}),
    batching: m.batching,
    manifest: m.manifest,
  }
}

/** The versions a client may ask for: the registry's, or the loaded ones when it cannot answer. */
export async function versionsOf(core: EdgeCore, name: string): Promise<string[]> {
  const loaded = core.models
    .loaded()
    .filter((m) => m.name === name)
    .map((m) => m.version)
  try {
    const url = new URL(`/v1/models/${encodeURIComponent(name)}`, core.options.registry).href
    const res = await (core.options.fetch ?? fetch)(url, { signal: AbortSignal.timeout(3000) })
    if (res.ok) {
      const body = (await res.json()) as { versions?: { version: number }[] }
      if (Array.isArray(body.versions)) return body.versions.map((v) => String(v.version))
    } else await res.body?.cancel()
  } catch {
    // registry unreachable: what is loaded
  }
  return [...new Set(loaded)].sort((a, b) => a - b).map(String)
}

export function metadataRoutes(core: EdgeCore): Hono {
  const app = new Hono()
  app.get('/v2/health/live', (c) => c.body(null, 200))
  app.get('/v2/health/ready', async (c) => {
    if (core.isReady()) return c.body(null, 200)
    const { failed } = await Promise.race([core.preload, Promise.resolve({ failed: null })])
    return c.json(
      {
        error:
          failed === null
            ? 'not ready: the startup models are still loading'
            : `not ready: ${failed.join(', ')} failed to load`,
        code: 'NOT_READY',
      },
      400,
    )
  })
  app.get('/v2', (c) => c.json(core.serverMetadata()))

  const metadata = async (name: string, version: string | undefined) => {
    const lease = await core.models.acquire(name, version)
    try {
      return modelMetadata(lease.model, await versionsOf(core, lease.model.name))
    } finally {
      lease.release()
    }
  }
  app.get('/v2/models/:m', async (c) => c.json(await metadata(c.req.param('m'), undefined)))
  app.get('/v2/models/:m/versions/:v', async (c) =>
    c.json(await metadata(c.req.param('m'), c.req.param('v'))),
  )

  const ready = (name: string, version: string | undefined) => {
    const m = core.models.peek(name, version)
    if (!m)
      throw new FerryError(
        'MODEL_NOT_FOUND',
        `model "${name}"${version ? ` version ${version}` : ''} is not loaded (not ready)`,
      )
    return { name: m.name, version: String(m.version), ready: true }
  }
  // 200 when ready, 4xx when not (required_api); the body says which version answers.
  app.get('/v2/models/:m/ready', (c) => c.json(ready(c.req.param('m'), undefined)))
  app.get('/v2/models/:m/versions/:v/ready', (c) => c.json(ready(c.req.param('m'), c.req.param('v'))))
  return app
}
