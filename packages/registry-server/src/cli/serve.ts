/** `ferry serve`: runs the registry on an fs or S3 store until SIGINT/SIGTERM (Node only). */
import { randomBytes } from 'node:crypto'
import { resolve } from 'node:path'
import { serve } from '../adapter/node/index.js'
import { parseOrigins } from '../middleware/origin.js'
import { seedStore } from '../seed/store.js'
import type { CliIO } from './commands.js'
import { UsageError } from './exit-codes.js'
import { openStore } from './stores.js'
import { tokensFrom } from './token.js'

export interface ServeFlags {
  port: string
  host: string
  store: string
  token?: string[]
  tokenFile?: string
  readToken?: boolean
  seed?: boolean
  playground?: string
  corsWriteOrigin?: string[]
  idleTimeout?: string
  maxConnections?: string
  s3Endpoint?: string
  blobRedirect?: boolean
}

/** Parses a TCP port (0 = any free port). */
export function portArg(text: string): number {
  const n = Number(text)
  if (!/^\d+$/.test(text) || n > 65535) throw new UsageError(`--port ${text} is not a port (0-65535)`)
  return n
}

/** A whole number >= 0 given for `flag`; a usage error otherwise. */
function countArg(flag: string, text: string): number {
  const n = Number(text)
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n))
    throw new UsageError(`${flag} ${text} is not a whole number >= 0`)
  return n
}

/** `--cors-write-origin` values as origins; a usage error names one that is not. */
function corsOrigins(list: string[]): string[] {
  try {
    return parseOrigins(list)
  } catch (err) {
    throw new UsageError(`--cors-write-origin: ${(err as Error).message}`)
  }
}

/** Serves until the process gets SIGINT/SIGTERM or `signal` aborts. */
export async function serveCommand(flags: ServeFlags, io: CliIO, signal?: AbortSignal): Promise<void> {
  const port = portArg(flags.port)
  const { store, label, kind } = openStore(flags.store, io, flags.s3Endpoint)
  if (flags.blobRedirect && !store.blobUrl) {
    throw new UsageError(
      '--blob-redirect needs a store that can hand out URLs: use --store s3://bucket/prefix',
    )
  }
  // Fail now, with the store's own words, rather than on the first request.
  await store.listModels()
  let tokens = tokensFrom(flags, io)
  if (tokens.length === 0) {
    const generated = randomBytes(18).toString('base64url')
    tokens = [generated]
    io.stderr.write(
      `No FERRY_TOKEN, --token-file or --token given; this run accepts writes with: FERRY_TOKEN=${generated}\n`,
    )
  }
  if (flags.seed) await seedStore(store, { log: (line) => io.stderr.write(`seed: ${line}\n`) })
  const registry = await serve({
    port,
    hostname: flags.host,
    store,
    tokens,
    ...(flags.blobRedirect ? { blobRedirect: true } : {}),
    readAuth: Boolean(flags.readToken),
    corsWriteOrigins: corsOrigins(flags.corsWriteOrigin ?? []),
    ...(flags.idleTimeout === undefined
      ? {}
      : { idleTimeoutMs: countArg('--idle-timeout', flags.idleTimeout) * 1000 }),
    ...(flags.maxConnections === undefined
      ? {}
      : { maxConnections: countArg('--max-connections', flags.maxConnections) }),
    ...(flags.playground === undefined ? {} : { staticRoot: resolve(flags.playground) }),
  }).catch((err: { code?: string }) => {
    if (err?.code === 'EADDRINUSE')
      throw new UsageError(`port ${port} on ${flags.host} is in use; pick another --port`)
    if (err?.code === 'EADDRNOTAVAIL')
      throw new UsageError(`cannot listen on ${flags.host}; pick another --host`)
    throw err
  })
  const local = ['127.0.0.1', 'localhost', '0.0.0.0', '::', '::1'].includes(flags.host)
  const shown = local ? `http://localhost:${registry.port}` : registry.url
  io.stdout.write(`Registry: ${shown}/v1\n`)
  if (flags.playground !== undefined) io.stdout.write(`Playground: ${shown}/\n`)
  io.stderr.write(
    `store: ${label}${kind === 's3' && flags.blobRedirect ? ' (blob GETs redirect to it)' : ''}\n`,
  )

  await new Promise<void>((done) => {
    const stop = () => {
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
      signal?.removeEventListener('abort', stop)
      done()
    }
    process.on('SIGINT', stop)
    process.on('SIGTERM', stop)
    signal?.addEventListener('abort', stop)
  })
  await registry.close()
}
