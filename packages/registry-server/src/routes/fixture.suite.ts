/** Test fixture for route tests: an app on a memory store, and helpers that call it like a client. */
import type { ManifestDraft } from '@ferry/protocol'
import { createRegistryApp, type RegistryAppOptions } from '../app.js'
import { MetricsRegistry } from '../metrics/registry.js'
import { createMemoryStore } from '../store/memory.js'
import { digestOf, draftFor } from '../store/store.suite.js'

export const TOKEN = 'test-token-123'
export const auth = { Authorization: `Bearer ${TOKEN}` }

export function setup(options: Partial<RegistryAppOptions> = {}) {
  const store = options.store ?? createMemoryStore()
  const metrics = options.metrics ?? new MetricsRegistry()
  const app = createRegistryApp({ tokens: [TOKEN], ...options, store, metrics })
  const req = async (path: string, init?: RequestInit): Promise<Response> => app.request(path, init)
  const upload = async (bytes: Uint8Array, query = '') => {
    const res = await req(`/v1/blobs${query}`, { method: 'POST', headers: auth, body: bytes as BodyInit })
    return { res, body: (await res.json()) as { digest: string; size: number } }
  }
  const publish = async (name: string, draft: unknown) =>
    req(`/v1/models/${name}/versions`, {
      method: 'POST',
      headers: { ...auth, 'Content-Type': 'application/json' },
      body: JSON.stringify(draft),
    })
  /** Uploads `bytes` and publishes them as the model file of a new version; returns the version. */
  const publishBytes = async (name: string, bytes: Uint8Array, extra: Partial<ManifestDraft> = {}) => {
    const { body } = await upload(bytes)
    const res = await publish(name, draftFor(body.digest, body.size, extra))
    if (res.status !== 201) throw new Error(`publish failed: ${res.status} ${await res.text()}`)
    return ((await res.json()) as { version: number }).version
  }
  const setAlias = (name: string, alias: string, version: unknown) =>
    req(`/v1/models/${name}/aliases/${alias}`, {
      method: 'PUT',
      headers: { ...auth, 'Content-Type': 'application/json' },
      body: JSON.stringify({ version }),
    })
  return { app, store, metrics, req, upload, publish, publishBytes, setAlias }
}

/** The error code of a JSON error answer. */
export async function codeOf(res: Response): Promise<string | undefined> {
  const body = (await res.json()) as { error?: { code?: string; message?: string } }
  if (typeof body.error?.message !== 'string') throw new Error('error answer without a message')
  return body.error?.code
}

export const bytesOf = (n: number, seed = 0) =>
  Uint8Array.from({ length: n }, (_, i) => (i * 7 + seed) & 0xff)
export { digestOf, draftFor }
