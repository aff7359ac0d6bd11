/**
 * Where an S3 store lives and how to reach it: `s3://bucket/prefix` URLs and the AWS conventions users
 * already have (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION,
 * AWS_ENDPOINT_URL_S3). Platform-free: the environment is passed in as a plain record.
 */
import { FerryError } from '@ferry/protocol'

export interface S3StoreConfig {
  bucket: string
  /** Key prefix for everything the store writes ('' or ending in '/'). */
  prefix: string
  /** Region for signing (default us-east-1). */
  region: string
  accessKeyId: string
  secretAccessKey: string
  sessionToken?: string
  /**
   * S3 endpoint, e.g. `http://127.0.0.1:7480` for a self-hosted store; requests then go path-style
   * (`endpoint/bucket/key`). Unset: AWS S3, virtual-hosted (`https://bucket.s3.region.amazonaws.com/key`).
   */
  endpoint?: string
  /** Bytes per multipart part (and the most one upload buffers at a time); default 8 MiB, at least 5 MiB. */
  partSize?: number
  /**
   * How long a request may wait for the store's answer to start, in ms (default 60 s); then it fails
   * with STORE_UNAVAILABLE instead of hanging (a full Ceph OSD, for one, stalls writes). Not applied to a
   * streamed upload, whose answer comes only after its last byte (the request's own deadline covers it).
   */
  answerTimeoutMs?: number
  /** `fetch` to send requests with (default: the global one). */
  fetch?: (request: Request) => Promise<Response>
  /**
   * A blob's bytes are handed on from a GET in chunks of at least this many (default 256 KiB: each chunk of
   * the global fetch's ~64 KiB reads costs a trip through every web stream on its way); 0 hands on each
   * chunk as it comes, uncopied.
   */
  readChunkBytes?: number
  /**
   * Bytes joined into one write of a streamed upload (default 1 MiB: the global fetch sends a few large
   * chunks much faster than many small ones); 0 writes each chunk as it comes, uncopied.
   */
  writeChunkBytes?: number
}

/** Is `text` an `s3://` store URL? */
export const isS3Url = (text: string): boolean => text.startsWith('s3://')

/** Parses `s3://bucket[/prefix]` into bucket and a prefix that is '' or ends in '/'. */
export function parseS3Url(text: string): { bucket: string; prefix: string } {
  const m = /^s3:\/\/([^/]+)(?:\/(.*))?$/.exec(text)
  const bucket = m?.[1] ?? ''
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
    throw new FerryError(
      'BAD_REQUEST',
      `"${text}" is not an S3 store URL: use s3://bucket or s3://bucket/prefix`,
    )
  }
  const rest = (m?.[2] ?? '').replace(/^\/+|\/+$/g, '')
  return { bucket, prefix: rest === '' ? '' : `${rest}/` }
}

/**
 * The config for `s3://bucket/prefix` from AWS-style variables; `endpoint` (a `--s3-endpoint` flag)
 * wins over AWS_ENDPOINT_URL_S3 and AWS_ENDPOINT_URL. Throws when no credentials are set.
 */
export function s3ConfigFromEnv(
  url: string,
  env: Record<string, string | undefined>,
  endpoint?: string,
): S3StoreConfig {
  const { bucket, prefix } = parseS3Url(url)
  const accessKeyId = env.AWS_ACCESS_KEY_ID
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY
  if (!accessKeyId || !secretAccessKey) {
    throw new FerryError(
      'BAD_REQUEST',
      `the S3 store ${url} needs credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY`,
    )
  }
  const ep = endpoint ?? env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL
  if (ep !== undefined && !/^https?:\/\/[^/]+/.test(ep)) {
    throw new FerryError('BAD_REQUEST', `S3 endpoint "${ep}" is not an http(s) URL`)
  }
  return {
    bucket,
    prefix,
    region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
    accessKeyId,
    secretAccessKey,
    ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
    ...(ep ? { endpoint: ep.replace(/\/+$/, '') } : {}),
  }
}
