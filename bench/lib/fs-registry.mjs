// A loopback registry on a temp fs store for the browser benchmarks, and publishing a one-file model to it
// over HTTP the way `ferry publish` does (blob, then manifest).
import { createHash } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createFsStore, serve } from '@ferry/registry-server/node'

/**
 * Starts the registry. `url` is its `localhost` base (pages reach it as another origin than 127.0.0.1);
 * `publish(name, bytes, signature, runtime?)` resolves `{ version, digest }`; `close()` removes the store.
 */
export async function startFsRegistry(tag) {
  const dir = await mkdtemp(join(tmpdir(), `ferry-bench-${tag}-`))
  const registry = await serve({
    store: createFsStore(dir),
    tokens: ['bench'],
    port: 0,
    hostname: '127.0.0.1',
  })
  const url = `http://localhost:${new URL(registry.url).port}`
  const auth = { authorization: 'Bearer bench' }
  return {
    url,
    async publish(name, bytes, signature, runtime) {
      const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`
      const up = await fetch(`${url}/v1/blobs?digest=${digest}`, {
        method: 'POST',
        headers: auth,
        body: bytes,
      })
      if (!up.ok) throw new Error(`blob upload: ${up.status} ${await up.text()}`)
      const r = await fetch(`${url}/v1/models/${name}/versions`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({
          schemaVersion: 1,
          name,
          format: 'onnx',
          files: [{ path: 'model.onnx', role: 'model', digest, size: bytes.byteLength }],
          ...signature,
          ...(runtime ? { runtime } : {}),
          metadata: {},
        }),
      })
      if (!r.ok) throw new Error(`publish ${name}: ${r.status} ${await r.text()}`)
      const { version } = await r.json()
      return { version, digest }
    },
    async close() {
      await registry.close()
      await rm(dir, { recursive: true, force: true })
    },
  }
}
