/** `ferry serve`: runs the registry on an fs or S3 store until SIGINT/SIGTERM (Node only). */
import { randomBytes } from 'node:crypto'
import { resolve } from 'node:path'
import { serve } from '../adapter/node/index.js'
import { seedStore } from '../seed/store.js'
import type { CliIO } from './commands.js'
import { UsageError } from './exit-codes.js'
import { openStore } from './stores.js'

export interface ServeFlags {
  port: string
  host: string
  store: string
  token?: string[]
  readToken?: boolean
  seed?: boolean
  playground?: string
  s3Endpoint?: string
  blobRedirect?: boolean
}

/** Parses a TCP port (0 = any free port). */
export function portArg(text: string): number {
  const n = Number(text)
  if (!/^\d+$/.test(text) || n > 65535) throw new UsageError(`--port ${text} is not a port (0-65535)`)
  return n
}

/** Write tokens from `--token` (repeatable) or `FERRY_TOKEN` (comma-separated). */
export function serveTokens(flags: ServeFlags, env: CliIO['env']): string[] {
  const given = flags.token?.length ? flags.token : (env.FERRY_TOKEN ?? '').split(',')
  return given.map((t) => t.trim()).filter((t) => t.length > 0)
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
  let tokens = serveTokens(flags, io.env)
  if (tokens.length === 0) {
    const generated = randomBytes(18).toString('base64url')
    tokens = [generated]
    io.stderr.write(
      `No --token or FERRY_TOKEN given; this run accepts writes with: FERRY_TOKEN=${generated}\n`,
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
