/**
 * What `ferry serve`'s flags mean, on Node and on Deno alike: the port, the opened store, the write tokens
 * and the registry app's options. The platform passes in how it opens a `--store` argument.
 */
import type { RegistryAppOptions } from '../app.js'
import { forwardedAddress, peerAddress } from '../collector/peer.js'
import { parseOrigins } from '../middleware/origin.js'
import type { CliIO } from './commands.js'
import { UsageError } from './exit-codes.js'
import type { OpenedStore } from './open-s3.js'
import type { ServeFlags } from './serve-options.js'
import { tokensFrom } from './token.js'

export interface ServeConfig {
  port: number
  host: string
  opened: OpenedStore
  tokens: string[]
  /** Options for createRegistryApp besides the store and tokens. */
  app: Omit<RegistryAppOptions, 'store' | 'tokens'>
}

/** Opens a `--store` argument (S3 URL or, on Node, a folder). */
export type StoreOpener = (spec: string, io: CliIO, s3Endpoint?: string) => OpenedStore

/** Parses a TCP port (0 = any free port). */
export function portArg(text: string): number {
  const n = Number(text)
  if (!/^\d+$/.test(text) || n > 65535) throw new UsageError(`--port ${text} is not a port (0-65535)`)
  return n
}

/** A whole number >= 0 given for `flag`; a usage error otherwise. */
export function countArg(flag: string, text: string): number {
  const n = Number(text)
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n))
    throw new UsageError(`${flag} ${text} is not a whole number >= 0`)
  return n
}

/** A positive number of seconds (fractions allowed) given for `flag`, in ms. */
function secondsArg(flag: string, text: string): number {
  const s = Number(text)
  if (!/^\d+(\.\d+)?$/.test(text) || !(s > 0) || s > 86_400 * 7)
    throw new UsageError(`${flag} ${text} is not a number of seconds > 0 (at most a week)`)
  return Math.round(s * 1000)
}

/** `--cors-write-origin` values as origins; a usage error names one that is not. */
function corsOrigins(list: string[]): string[] {
  try {
    return parseOrigins(list)
  } catch (err) {
    throw new UsageError(`--cors-write-origin: ${(err as Error).message}`)
  }
}

/** A write token for a run that was given none (printed once, so that run can be written to). */
function generatedToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(18))
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
}

/**
 * Checks every flag and opens the store (listing it once, so a wrong bucket or credentials fail now, in
 * the store's own words, rather than on the first request).
 */
export async function resolveServeConfig(
  flags: ServeFlags,
  io: CliIO,
  openStore: StoreOpener,
): Promise<ServeConfig> {
  const port = portArg(flags.port)
  const corsWriteOrigins = corsOrigins(flags.corsWriteOrigin ?? [])
  const requestTimeoutMs =
    flags.requestTimeout === undefined ? undefined : secondsArg('--request-timeout', flags.requestTimeout)
  const hops = flags.trustProxy === undefined ? 0 : countArg('--trust-proxy', flags.trustProxy)
  const opened = openStore(flags.store, io, flags.s3Endpoint)
  if (flags.blobRedirect && !opened.store.blobUrl) {
    throw new UsageError(
      '--blob-redirect needs a store that can hand out URLs: use --store s3://bucket/prefix',
    )
  }
  let tokens = tokensFrom(flags, io)
  await opened.store.listModels()
  if (tokens.length === 0) {
    const token = generatedToken()
    tokens = [token]
    io.stderr.write(
      `No FERRY_TOKEN, --token-file or --token given; this run accepts writes with: FERRY_TOKEN=${token}\n`,
    )
  }
  return {
    port,
    host: flags.host,
    opened,
    tokens,
    app: {
      ...(flags.blobRedirect ? { blobRedirect: true } : {}),
      readAuth: Boolean(flags.readToken),
      corsWriteOrigins,
      ...(requestTimeoutMs === undefined ? {} : { limits: { requestTimeoutMs } }),
      ...(hops > 0
        ? {
            telemetry: {
              clientIp: (c) => forwardedAddress(c.req.raw.headers, hops) ?? peerAddress(c.env),
            },
          }
        : {}),
    },
  }
}

/** The URL to print for a registry listening on `host`:`port`. */
export function shownUrl(host: string, port: number, url: string): string {
  const local = ['127.0.0.1', 'localhost', '0.0.0.0', '::', '::1'].includes(host)
  return local ? `http://localhost:${port}` : url
}
