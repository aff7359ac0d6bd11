/**
 * `ferry serve` on Deno: `deno run --allow-net --allow-read --allow-env packages/registry-server/dist/deno.js
 * --store s3://bucket/prefix …`, with the flags and environment of the Node CLI where they apply (see
 * cli/serve-options.ts): the same registry app on `Deno.serve`, so the registry itself deploys to the edge.
 * The store is S3 only (the fs store is Node's).
 */
import { Command, CommanderError } from 'commander'
import { type DenoApi, deno } from './adapter/deno/deno-api.js'
import { serveOnDeno } from './adapter/deno/serve.js'
import type { CliIO } from './cli/commands.js'
import { EXIT, exitCodeFor, UsageError } from './cli/exit-codes.js'
import { openS3Store } from './cli/open-s3.js'
import { resolveServeConfig, shownUrl } from './cli/serve-config.js'
import { addServeOptions, type ServeFlags } from './cli/serve-options.js'
import { isS3Url } from './store/s3/index.js'

const D: DenoApi = deno()
const encoder = new TextEncoder()
/** A whole-string writer on a Deno stream (writeSync may write part of it). */
const writer = (out: DenoApi['stdout']) => ({
  write(text: string) {
    const bytes = encoder.encode(text)
    for (let at = 0; at < bytes.length; ) at += out.writeSync(bytes.subarray(at))
    return true
  },
})
const io: CliIO = { stdout: writer(D.stdout), stderr: writer(D.stderr), env: D.env.toObject() }

/** On Deno only `s3://` stores open; a folder gets a usage error that says where it works. */
const openStore = (spec: string, io: CliIO, s3Endpoint?: string) => {
  if (!isS3Url(spec)) {
    throw new UsageError(
      `--store ${spec}: the fs store is Node-only (run \`ferry serve\`); on Deno use --store s3://bucket/prefix`,
    )
  }
  return openS3Store(spec, io, s3Endpoint)
}

/** Serves until SIGINT/SIGTERM. */
async function run(flags: ServeFlags): Promise<void> {
  const { port, host, opened, tokens, app } = await resolveServeConfig(flags, io, openStore)
  const registry = await serveOnDeno({ ...app, port, hostname: host, store: opened.store, tokens })
  io.stdout.write(`Registry: ${shownUrl(host, registry.port, registry.url)}/v1\n`)
  io.stderr.write(
    `store: ${opened.label}${flags.blobRedirect ? ' (blob GETs redirect to it)' : ''}; on Deno\n`,
  )
  await new Promise<void>((done) => {
    const stop = () => {
      D.removeSignalListener('SIGINT', stop)
      D.removeSignalListener('SIGTERM', stop)
      done()
    }
    D.addSignalListener('SIGINT', stop)
    D.addSignalListener('SIGTERM', stop)
  })
  await registry.close()
}

const program = addServeOptions(
  new Command('deno run --allow-net --allow-read --allow-env dist/deno.js')
    .description('the Ferry registry on Deno: ferry serve on an S3 store')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeOut: (s) => void io.stdout.write(s), writeErr: (s) => void io.stderr.write(s) }),
  'deno',
).action((flags: ServeFlags) => run(flags))

try {
  await program.parseAsync(D.args, { from: 'user' })
  D.exit(EXIT.OK)
} catch (err) {
  if (err instanceof CommanderError) D.exit(err.exitCode === 0 ? EXIT.OK : EXIT.USAGE)
  const e = err as { message?: string; code?: string }
  io.stderr.write(`ferry: ${e?.message ?? String(err)}${e?.code ? ` [${e.code}]` : ''}\n`)
  D.exit(exitCodeFor(err))
}
