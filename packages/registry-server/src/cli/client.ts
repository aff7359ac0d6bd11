/**
 * A small HTTP client for the registry API (ARCHITECTURE.md's table), used by the `ferry` CLI and the seeder.
 * Platform-free: `fetch`, `Request`, `Response`, web streams. Every failure becomes a FerryError with a code.
 */
import {
  errorFromResponse,
  FerryError,
  fetchRegistry,
  type Manifest,
  type ManifestDraft,
  type ModelDetail,
  type ModelListing,
  paths,
} from '@ferry/protocol'
import { UsageError } from './exit-codes.js'

export const DEFAULT_REGISTRY = 'http://localhost:8080'

export interface RegistryClientOptions {
  /** Base URL: `http://host:port`, with or without a trailing `/v1`. */
  registry: string
  /** Bearer token for write calls (and for reads on registries that require one). */
  token?: string | undefined
  /** A fetch to use instead of the global one (e.g. an in-process app's `fetch`). */
  fetch?: (request: Request) => Promise<Response>
}

/** The body of an upload: bytes in memory or a stream (sent as it is read, never buffered here). */
export type UploadBody = Uint8Array | ReadableStream<Uint8Array>

/** Strips a trailing `/v1` and slashes so both `http://h:8080` and the printed `http://h:8080/v1` work. */
export function normalizeRegistryUrl(url: string): string {
  let u: URL
  try {
    u = new URL(url)
  } catch {
    throw new UsageError(`registry URL "${url}" is not a URL; use e.g. ${DEFAULT_REGISTRY}`)
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new UsageError(`registry URL "${url}" must start with http:// or https://`)
  }
  return `${u.origin}${u.pathname.replace(/\/+$/, '').replace(/\/v1$/, '')}`
}

/** Client for one registry. Methods throw FerryError (REGISTRY_UNREACHABLE, UNAUTHORIZED, MODEL_NOT_FOUND, …). */
export class RegistryClient {
  readonly base: string
  readonly #token: string | undefined
  readonly #fetch: (request: Request) => Promise<Response>

  constructor(options: RegistryClientOptions) {
    this.base = normalizeRegistryUrl(options.registry)
    this.#token = options.token || undefined
    this.#fetch = options.fetch ?? ((r) => fetch(r))
  }

  /** `GET /v1/health`. */
  async health(): Promise<{ status: string }> {
    return (await this.#json('GET', paths.health())) as { status: string }
  }

  /** `GET /v1/models`. */
  async listModels(): Promise<ModelListing> {
    return (await this.#json('GET', paths.models())) as ModelListing
  }

  /** `GET /v1/models/{name}`. */
  async getModel(name: string): Promise<ModelDetail> {
    return (await this.#json('GET', paths.model(name))) as ModelDetail
  }

  /** A manifest by version number, or by alias (`latest`, `stable`, …). */
  async getManifest(name: string, ref: number | string): Promise<Manifest> {
    const path = typeof ref === 'number' ? paths.version(name, ref) : paths.alias(name, ref)
    return (await this.#json('GET', path)) as Manifest
  }

  /** `HEAD /v1/blobs/{digest}`: true when the registry already has the blob. */
  async hasBlob(digest: string): Promise<boolean> {
    const res = await this.#send('HEAD', paths.blob(digest))
    if (res.status === 404) return false
    if (res.ok) return true
    throw await this.#failure(res, 'HEAD', paths.blob(digest))
  }

  /** `GET /v1/blobs/{digest}`, optionally a byte range (`start`..`end` inclusive); the raw response. */
  async getBlob(digest: string, range?: { start: number; end?: number }): Promise<Response> {
    const headers: Record<string, string> = {}
    if (range) headers.range = `bytes=${range.start}-${range.end ?? ''}`
    const res = await this.#send('GET', paths.blob(digest), { headers })
    if (!res.ok) throw await this.#failure(res, 'GET', paths.blob(digest))
    return res
  }

  /** `POST /v1/blobs?digest=…`: streams the body; the registry verifies the digest before keeping it. */
  async uploadBlob(body: UploadBody, digest?: string): Promise<{ digest: string; size: number }> {
    const path = digest ? `${paths.blobs()}?digest=${encodeURIComponent(digest)}` : paths.blobs()
    return (await this.#json('POST', path, {
      body,
      headers: { 'content-type': 'application/octet-stream' },
    })) as { digest: string; size: number }
  }

  /** `POST /v1/models/{name}/versions`: the registry assigns and returns the new version. */
  async publish(name: string, draft: ManifestDraft): Promise<{ version: number }> {
    return (await this.#json('POST', paths.versions(name), {
      body: JSON.stringify(draft),
      headers: { 'content-type': 'application/json' },
    })) as { version: number }
  }

  /** `PUT /v1/models/{name}/aliases/{alias}`. */
  async setAlias(name: string, alias: string, version: number): Promise<void> {
    await this.#json('PUT', paths.alias(name, alias), {
      body: JSON.stringify({ version }),
      headers: { 'content-type': 'application/json' },
    })
  }

  /** `DELETE /v1/models/{name}/aliases/{alias}`. */
  async deleteAlias(name: string, alias: string): Promise<void> {
    await this.#json('DELETE', paths.alias(name, alias))
  }

  /** `DELETE /v1/models/{name}/versions/{version}`; 409 ALIAS_IN_USE while an alias points to it. */
  async deleteVersion(name: string, version: number): Promise<void> {
    await this.#json('DELETE', paths.version(name, version))
  }

  async #json(
    method: string,
    path: string,
    init: { body?: UploadBody | string; headers?: Record<string, string> } = {},
  ) {
    const res = await this.#send(method, path, init)
    if (!res.ok) throw await this.#failure(res, method, path)
    if (res.status === 204 || method === 'HEAD') return null
    const text = await res.text()
    if (text === '') return null
    try {
      return JSON.parse(text) as unknown
    } catch {
      throw new FerryError(
        'REGISTRY_ERROR',
        `${this.base}${path} answered ${res.status} with a body that is not JSON; is this a Ferry registry?`,
      )
    }
  }

  async #send(
    method: string,
    path: string,
    init: { body?: UploadBody | string; headers?: Record<string, string> } = {},
  ): Promise<Response> {
    const headers = new Headers(init.headers)
    if (this.#token) headers.set('authorization', `Bearer ${this.#token}`)
    const streamed = init.body instanceof ReadableStream
    const request = new Request(`${this.base}${path}`, {
      method,
      headers,
      ...(init.body === undefined ? {} : { body: init.body as BodyInit }),
      // A streamed request body needs half-duplex in Node's fetch (undici) and in browsers.
      ...(streamed ? ({ duplex: 'half' } as RequestInit) : {}),
    })
    return fetchRegistry(
      (r) => this.#fetch(r as Request),
      this.base,
      request,
      undefined,
      'start it with `ferry serve` or point --registry / FERRY_REGISTRY at a running one',
    )
  }

  async #failure(res: Response, method: string, path: string): Promise<FerryError> {
    const err = await errorFromResponse(res, `${method} ${this.base}${path}`)
    if (err.code === 'UNAUTHORIZED' || err.code === 'FORBIDDEN') {
      const hint = this.#token
        ? 'check the token (FERRY_TOKEN, --token-file or --token) matches one the registry was started with'
        : 'set FERRY_TOKEN or pass --token-file'
      return new FerryError(err.code, `${err.message}; ${hint}`, { status: err.status })
    }
    return err
  }
}
