/**
 * The few S3 calls the store makes, signed with SigV4 (aws4fetch) and sent with any `fetch`: object
 * GET/HEAD/PUT/DELETE, conditional PUTs, multipart uploads, ListObjectsV2 and ListMultipartUploads with
 * continuation, presigned GET URLs. Failures of the store itself become STORE_UNAVAILABLE (503).
 */
import { FerryError } from '@ferry/protocol'
import { AwsV4Signer } from 'aws4fetch'
import type { S3StoreConfig } from './config.js'

export interface S3Request {
  method: 'GET' | 'HEAD' | 'PUT' | 'POST' | 'DELETE'
  key: string
  query?: Record<string, string>
  headers?: Record<string, string>
  /** A stream is sent once, never retried (it cannot be read twice); it needs a content-length header. */
  body?: Uint8Array | string | ReadableStream<Uint8Array>
}

/**
 * Request headers left out of the signature (SigV4 needs only host and x-amz-*): conditions and ranges
 * travel as sent, so a caller (or a test standing in for another server's quirks) can see them unchanged.
 */
const UNSIGNED = new Set(['if-match', 'if-none-match', 'range'])

/** Answers that are not the store failing: the caller looks at them. */
const EXPECTED = new Set([200, 204, 206, 304, 404, 409, 412])
/** Answers worth another try (the request is resent whole: bodies here are always buffered). */
const RETRY = new Set([500, 502, 503, 504])

const decodeXml = (s: string) =>
  s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&#(\d+);/g, (_, n) => String.fromCodePoint(Number(n)))
    .replace(/&amp;/g, '&')

/**
 * The text of each `<tag>…</tag>` in `xml`. S3's list answers are flat, and every key this store writes
 * is its own (names, digests, uuids), so a scan is enough; values are entity-decoded.
 */
export function xmlValues(xml: string, tag: string): string[] {
  const out: string[] = []
  const re = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, 'g')
  for (let m = re.exec(xml); m; m = re.exec(xml)) out.push(decodeXml(m[1] ?? ''))
  return out
}

const xmlValue = (xml: string, tag: string) => xmlValues(xml, tag)[0]

/** A network failure's message with its cause's (fetch's own message is only "fetch failed"). */
function describe(err: unknown): string {
  const e = err as { message?: string; cause?: { message?: string; code?: string } } | null
  const cause = e?.cause?.code ?? e?.cause?.message
  return `${e?.message ?? String(err)}${cause ? ` (${cause})` : ''}`
}

/** An ETag without quotes or a weak marker. */
export const bareEtag = (etag: string | null): string | null =>
  etag === null ? null : etag.replace(/^W\//, '').replace(/^"|"$/g, '')

/** Percent-encodes a key for a URL path, keeping its slashes. */
const encodeKey = (key: string) => key.split('/').map(encodeURIComponent).join('/')

export interface ListedObject {
  key: string
  size: number
  lastModified: number
}

export interface ListedUpload {
  key: string
  uploadId: string
  initiated: number
}

/** A signed S3 client for one bucket. */
export class S3Client {
  readonly #cfg: S3StoreConfig
  readonly #fetch: (request: Request) => Promise<Response>

  constructor(cfg: S3StoreConfig) {
    this.#cfg = cfg
    this.#fetch = cfg.fetch ?? ((r) => fetch(r))
  }

  /** The object URL (path-style with an endpoint, virtual-hosted on AWS). */
  url(key: string, query: Record<string, string> = {}): URL {
    const { endpoint, bucket, region } = this.#cfg
    const base = endpoint ? `${endpoint}/${bucket}/` : `https://${bucket}.s3.${region}.amazonaws.com/`
    const url = new URL(base + encodeKey(key))
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v)
    return url
  }

  #signer(url: URL, init: { method: string; headers?: Record<string, string>; body?: S3Request['body'] }) {
    const { accessKeyId, secretAccessKey, sessionToken, region } = this.#cfg
    return new AwsV4Signer({
      url: url.toString(),
      method: init.method,
      ...(init.headers ? { headers: init.headers } : {}),
      ...(init.body !== undefined ? { body: init.body as BodyInit } : {}),
      accessKeyId,
      secretAccessKey,
      ...(sessionToken ? { sessionToken } : {}),
      service: 's3',
      region,
    })
  }

  /** Sends one request; 5xx and network failures are retried, other failures throw STORE_UNAVAILABLE. */
  async send(req: S3Request): Promise<Response> {
    const url = this.url(req.key, req.query)
    let lastError: unknown
    const attempts = req.body instanceof ReadableStream ? 1 : 4
    for (let attempt = 0; attempt < attempts; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, 50 * 4 ** attempt))
      const signedHeaders: Record<string, string> = {}
      const plainHeaders: Record<string, string> = {}
      for (const [k, v] of Object.entries(req.headers ?? {})) {
        ;(UNSIGNED.has(k) ? plainHeaders : signedHeaders)[k] = v
      }
      const signed = await this.#signer(url, {
        method: req.method,
        headers: signedHeaders,
        ...(req.body !== undefined ? { body: req.body } : {}),
      }).sign()
      for (const [k, v] of Object.entries(plainHeaders)) signed.headers.set(k, v)
      let res: Response
      const giveUp = new AbortController()
      const waitMs = this.#cfg.answerTimeoutMs ?? 60_000
      const timer =
        req.body instanceof ReadableStream
          ? undefined
          : setTimeout(() => giveUp.abort(new Error(`no answer in ${waitMs / 1000} s`)), waitMs)
      try {
        res = await this.#fetch(
          new Request(signed.url, {
            method: signed.method,
            headers: signed.headers,
            ...(req.body !== undefined ? { body: req.body as BodyInit, duplex: 'half' } : {}),
            signal: giveUp.signal,
          } as RequestInit),
        )
      } catch (err) {
        lastError = giveUp.signal.aborted ? giveUp.signal.reason : err
        // A store that does not answer at all is not asked again (each try would wait as long).
        if (giveUp.signal.aborted) break
        continue
      } finally {
        clearTimeout(timer)
      }
      if (EXPECTED.has(res.status) || (res.status >= 200 && res.status < 300)) return res
      const text = await res.text().catch(() => '')
      lastError = new FerryError(
        'STORE_UNAVAILABLE',
        `the S3 store answered ${res.status} ${xmlValue(text, 'Code') ?? ''} to ${req.method} ${url.pathname}`.trim(),
      )
      if (!RETRY.has(res.status)) break
    }
    if (lastError instanceof FerryError) throw lastError
    throw new FerryError(
      'STORE_UNAVAILABLE',
      `the S3 store at ${url.origin} cannot be reached: ${describe(lastError)}`,
      { cause: lastError },
    )
  }

  /** Like `send`, but every answer but a 2xx throws. */
  async ok(req: S3Request): Promise<Response> {
    const res = await this.send(req)
    if (res.ok) return res
    const code = xmlValue(await res.text().catch(() => ''), 'Code') ?? ''
    throw new FerryError(
      'STORE_UNAVAILABLE',
      `the S3 store answered ${res.status} ${code} to ${req.method} ${this.url(req.key).pathname}`.trim(),
    )
  }

  /** Every object under `prefix` (ListObjectsV2, following continuation tokens). */
  async *list(prefix: string): AsyncGenerator<ListedObject> {
    let token: string | undefined
    do {
      const query: Record<string, string> = { 'list-type': '2', prefix }
      if (token) query['continuation-token'] = token
      const xml = await (await this.ok({ method: 'GET', key: '', query })).text()
      for (const c of xmlValues(xml, 'Contents')) {
        yield {
          key: xmlValue(c, 'Key') ?? '',
          size: Number(xmlValue(c, 'Size') ?? 0),
          lastModified: Date.parse(xmlValue(c, 'LastModified') ?? ''),
        }
      }
      token = xmlValue(xml, 'IsTruncated') === 'true' ? xmlValue(xml, 'NextContinuationToken') : undefined
    } while (token)
  }

  /** The "folders" right under `prefix` (ListObjectsV2 with a `/` delimiter). */
  async *listPrefixes(prefix: string): AsyncGenerator<string> {
    let token: string | undefined
    do {
      const query: Record<string, string> = { 'list-type': '2', prefix, delimiter: '/' }
      if (token) query['continuation-token'] = token
      const xml = await (await this.ok({ method: 'GET', key: '', query })).text()
      for (const p of xmlValues(xml, 'CommonPrefixes')) yield xmlValue(p, 'Prefix') ?? ''
      token = xmlValue(xml, 'IsTruncated') === 'true' ? xmlValue(xml, 'NextContinuationToken') : undefined
    } while (token)
  }

  /** Multipart uploads begun under `prefix` and not yet completed or aborted. */
  async *listUploads(prefix: string): AsyncGenerator<ListedUpload> {
    let markers: Record<string, string> = {}
    for (;;) {
      const query = { uploads: '', prefix, ...markers }
      const xml = await (await this.ok({ method: 'GET', key: '', query })).text()
      for (const u of xmlValues(xml, 'Upload')) {
        yield {
          key: xmlValue(u, 'Key') ?? '',
          uploadId: xmlValue(u, 'UploadId') ?? '',
          initiated: Date.parse(xmlValue(u, 'Initiated') ?? ''),
        }
      }
      if (xmlValue(xml, 'IsTruncated') !== 'true') return
      markers = {
        'key-marker': xmlValue(xml, 'NextKeyMarker') ?? '',
        'upload-id-marker': xmlValue(xml, 'NextUploadIdMarker') ?? '',
      }
    }
  }

  /** Starts a multipart upload to `key`; resolves its upload id. */
  async createUpload(key: string): Promise<string> {
    const xml = await (await this.ok({ method: 'POST', key, query: { uploads: '' } })).text()
    const id = xmlValue(xml, 'UploadId')
    if (!id) throw new FerryError('STORE_UNAVAILABLE', `the S3 store gave no upload id for ${key}`)
    return id
  }

  /** Uploads one part; resolves its ETag. */
  async uploadPart(key: string, uploadId: string, partNumber: number, body: Uint8Array): Promise<string> {
    const res = await this.ok({
      method: 'PUT',
      key,
      query: { partNumber: String(partNumber), uploadId },
      body,
    })
    await res.body?.cancel()
    const etag = res.headers.get('etag')
    if (!etag) throw new FerryError('STORE_UNAVAILABLE', `the S3 store gave no ETag for part ${partNumber}`)
    return etag
  }

  /** Completes a multipart upload from its parts' ETags, in order. */
  async completeUpload(key: string, uploadId: string, etags: string[]): Promise<void> {
    const parts = etags
      .map((e, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>${e}</ETag></Part>`)
      .join('')
    const body = `<CompleteMultipartUpload>${parts}</CompleteMultipartUpload>`
    const xml = await (await this.ok({ method: 'POST', key, query: { uploadId }, body })).text()
    // S3 may answer 200 and put the error in the body (it fails after the status line went out).
    if (xml.includes('<Error>')) {
      throw new FerryError(
        'STORE_UNAVAILABLE',
        `the S3 store failed to complete ${key}: ${xmlValue(xml, 'Code')}`,
      )
    }
  }

  /** Discards a multipart upload and its parts (404: already gone). */
  async abortUpload(key: string, uploadId: string): Promise<void> {
    const res = await this.send({ method: 'DELETE', key, query: { uploadId } })
    await res.body?.cancel()
  }

  /** Server-side copy of `from` to `to` in the same bucket (one request; up to 5 GiB). */
  async copy(from: string, to: string): Promise<void> {
    const source = `/${this.#cfg.bucket}/${encodeKey(from)}`
    const xml = await (
      await this.ok({ method: 'PUT', key: to, headers: { 'x-amz-copy-source': source } })
    ).text()
    if (xml.includes('<Error>')) {
      throw new FerryError(
        'STORE_UNAVAILABLE',
        `the S3 store failed to copy ${from}: ${xmlValue(xml, 'Code')}`,
      )
    }
  }

  /** Deletes an object (absent is fine). */
  async delete(key: string): Promise<void> {
    const res = await this.send({ method: 'DELETE', key })
    await res.body?.cancel()
  }

  /** A presigned GET URL for `key`, valid for `seconds`. */
  async presign(key: string, seconds: number): Promise<string> {
    const url = this.url(key, { 'X-Amz-Expires': String(Math.max(1, Math.floor(seconds))) })
    const { accessKeyId, secretAccessKey, sessionToken, region } = this.#cfg
    const signer = new AwsV4Signer({
      url: url.toString(),
      method: 'GET',
      accessKeyId,
      secretAccessKey,
      ...(sessionToken ? { sessionToken } : {}),
      service: 's3',
      region,
      signQuery: true,
    })
    return (await signer.sign()).url.toString()
  }
}
