// Shared pieces of the edge benchmarks: a real registry (memory store, loopback) with models published
// over HTTP, Ferry Edge served from packages/edge/dist, the naive server (Hono + onnxruntime-web, one
// session.run per request) and a bare HTTP echo, all in this process; clients run in a worker thread.
import { createHash } from 'node:crypto'
import { createMemoryStore } from '@ferry/registry-server'
import { RegistryClient } from '@ferry/registry-server/client'
import { serve } from '@ferry/registry-server/node'
import { serve as honoServe } from '@hono/node-server'
import { Hono } from 'hono'
import * as ort from 'onnxruntime-web'
import { serveEdge } from '../../packages/edge/dist/adapter/node.js'

ort.env.wasm.numThreads = 1

/** Starts a registry and publishes `models` ({ name: { bytes, signature, runtime } }). */
export async function registryWith(models) {
  const reg = await serve({ store: createMemoryStore(), tokens: ['t'], port: 0 })
  const client = new RegistryClient({ registry: reg.url, token: 't' })
  for (const [name, m] of Object.entries(models)) {
    const digest = `sha256:${createHash('sha256').update(m.bytes).digest('hex')}`
    await client.uploadBlob(m.bytes, digest)
    const { version } = await client.publish(name, {
      schemaVersion: 1,
      name,
      format: 'onnx',
      files: [{ path: 'model.onnx', role: 'model', digest, size: m.bytes.byteLength }],
      ...m.signature,
      runtime: m.runtime ?? { backends: ['wasm'] },
      metadata: {},
    })
    await client.setAlias(name, 'stable', version)
  }
  return reg
}

/** Ferry Edge on `registry`, REST on a free port (gRPC too when asked), WASM. */
export function edgeOn(registry, grpc = false) {
  return serveEdge({
    registry,
    port: 0,
    grpcPort: grpc ? 0 : null,
    backends: ['wasm'],
    pollMs: 0,
    log: () => {},
  })
}

const toJsonOutputs = (out) =>
  Object.entries(out).map(([name, t]) => ({
    name,
    datatype: 'FP32',
    shape: [...t.dims],
    data: Array.from(t.data),
  }))

/** The naive server: Hono on @hono/node-server, one onnxruntime-web session.run per request (same backend). */
export async function naiveServer(bytes, inputName = 'x') {
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] })
  const app = new Hono()
  app.post('/v2/models/:m/infer', async (c) => {
    const body = await c.req.json()
    const input = body.inputs[0]
    const feeds = { [inputName]: new ort.Tensor('float32', Float32Array.from(input.data), input.shape) }
    const out = await session.run(feeds)
    return c.json({ model_name: c.req.param('m'), outputs: toJsonOutputs(out) })
  })
  return listen(app.fetch, () => session.release())
}

/** A bare HTTP round trip on the same server type: echoes a body the size of the model's answer. */
export function echoServer(answer) {
  const app = new Hono()
  app.post('/echo', async (c) => {
    await c.req.arrayBuffer()
    return c.body(answer, 200, { 'content-type': 'application/json' })
  })
  return listen(app.fetch)
}

function listen(fetch, onClose = async () => {}) {
  return new Promise((resolve) => {
    const s = honoServe({ fetch, port: 0, hostname: '127.0.0.1' }, (info) =>
      resolve({
        url: `http://127.0.0.1:${info.port}`,
        close: async () => {
          await new Promise((r) => {
            s.close(r)
            s.closeAllConnections()
          })
          await onClose()
        },
      }),
    )
  })
}

export const p50 = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
export const fmt = (x, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : String(x))
export { ort }
