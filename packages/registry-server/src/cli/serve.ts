/** `ferry serve`: runs the registry on an fs or S3 store until SIGINT/SIGTERM (Node; Deno: ../deno.ts). */
import { resolve } from 'node:path'
import { serve } from '../adapter/node/index.js'
import { seedStore } from '../seed/store.js'
import type { CliIO } from './commands.js'
import { UsageError } from './exit-codes.js'
import { countArg, resolveServeConfig, shownUrl } from './serve-config.js'
import type { ServeFlags } from './serve-options.js'
import { openStore } from './stores.js'

/** Serves until the process gets SIGINT/SIGTERM or `signal` aborts. */
export async function serveCommand(flags: ServeFlags, io: CliIO, signal?: AbortSignal): Promise<void> {
  const idleTimeoutMs =
    flags.idleTimeout === undefined ? undefined : countArg('--idle-timeout', flags.idleTimeout) * 1000
  const maxConnections =
    flags.maxConnections === undefined ? undefined : countArg('--max-connections', flags.maxConnections)
  const { port, host, opened, tokens, app } = await resolveServeConfig(flags, io, openStore)
  const { store, label, kind } = opened
  if (flags.seed) await seedStore(store, { log: (line) => io.stderr.write(`seed: ${line}\n`) })
  const registry = await serve({
    ...app,
    port,
    hostname: host,
    store,
    tokens,
    ...(idleTimeoutMs === undefined ? {} : { idleTimeoutMs }),
    ...(maxConnections === undefined ? {} : { maxConnections }),
    ...(flags.playground === undefined ? {} : { staticRoot: resolve(flags.playground) }),
  }).catch((err: { code?: string }) => {
    if (err?.code === 'EADDRINUSE')
      throw new UsageError(`port ${port} on ${host} is in use; pick another --port`)
    if (err?.code === 'EADDRNOTAVAIL') throw new UsageError(`cannot listen on ${host}; pick another --host`)
    throw err
  })
  const shown = shownUrl(host, registry.port, registry.url)
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
