/**
 * The `ferry` command line: argument parsing (commander) and error → exit code mapping. `main(argv)` returns the
 * exit code instead of exiting, so tests can call it; bin/ferry.js is the launcher.
 */

import { hasErrorCode } from '@ferry/protocol'
import { Command, CommanderError, Option } from 'commander'
import {
  aliasRmCommand,
  aliasSetCommand,
  type CliIO,
  lsCommand,
  publishCommand,
  rmCommand,
  showCommand,
} from './commands.js'
import { EXIT, exitCodeFor } from './exit-codes.js'
import { TOKEN_FLAG_HELP } from './token.js'

const collect = (value: string, previous: string[] = []) => [...previous, value]
/** Like collect, and splits commas (for values that also come from an environment variable). */
const collectList = (value: string, previous: string[] = []) => [
  ...previous,
  ...value
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean),
]

const s3EndpointOption = () =>
  new Option('--s3-endpoint <url>', 'S3 endpoint of a self-hosted store (path-style; default: AWS S3)').env(
    'AWS_ENDPOINT_URL_S3',
  )

const S3_HELP = `
S3 stores (s3://bucket/prefix) take the AWS variables: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
AWS_SESSION_TOKEN, AWS_REGION (default us-east-1), AWS_ENDPOINT_URL_S3 (or --s3-endpoint) for a
self-hosted store such as Ceph RGW or MinIO, reached path-style. Tested on Ceph RGW 16.2.`

function clientOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option('--registry <url>', 'registry URL (default: $FERRY_REGISTRY or http://localhost:8080)'),
    )
    .addOption(
      new Option(
        '--token-file <file>',
        'read the bearer token for write calls from FILE (also $FERRY_TOKEN_FILE)',
      ),
    )
    .addOption(new Option('--token <token>', `bearer token (default: $FERRY_TOKEN); ${TOKEN_FLAG_HELP}`))
}

/** Builds the program; every action gets `io` instead of touching process.* directly. */
export function buildProgram(io: CliIO): Command {
  const program = new Command('ferry')
    .description('Ferry model registry: serve, publish, list and promote ONNX models')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => void io.stdout.write(s),
      writeErr: (s) => void io.stderr.write(s),
    })
    .addHelpText(
      'after',
      '\nTokens: set FERRY_TOKEN (or FERRY_TOKEN_FILE, or pass --token-file); a --token value shows in ps.\n' +
        '\nExit codes: 0 ok, 1 unexpected failure, 2 usage, 3 registry unreachable, 4 token missing/refused,\n' +
        '5 not found, 6 conflict, 7 bad local file (missing, not ONNX), 8 rejected by the registry, 9 registry error.',
    )

  program
    .command('serve')
    .description('run a registry on a store: a local folder (fs, the default) or an S3 bucket')
    .addOption(new Option('--port <n>', 'port to listen on (0: any free port)').env('PORT').default('8080'))
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .option(
      '--store <dir|s3://bucket/prefix>',
      'store: a folder, or an S3 bucket (and key prefix) that several instances may share',
      '.ferry/store',
    )
    .addOption(s3EndpointOption())
    .option(
      '--blob-redirect',
      'S3 store: answer blob GETs with a 302 to a presigned URL valid 300 s (bytes bypass the registry)',
    )
    .option(
      '--token-file <file>',
      'tokens allowed to write, one per line (also $FERRY_TOKEN_FILE, or $FERRY_TOKEN comma-separated)',
    )
    .option('--token <token>', `a token allowed to write (repeatable); ${TOKEN_FLAG_HELP}`, collect)
    .option('--read-token', 'require a token for reads too')
    .addOption(
      new Option(
        '--cors-write-origin <origin>',
        'let browser pages on ORIGIN make write calls (repeatable; * for any); other origins get 403',
      )
        .env('FERRY_CORS_WRITE_ORIGINS')
        .argParser(collectList),
    )
    .option(
      '--idle-timeout <seconds>',
      'close a connection idle this long, mid-download included (default: 30; 0: never)',
    )
    .option(
      '--max-connections <n>',
      'serve at most N connections; past it 503, health still answers (default: 1000; 0: no cap)',
    )
    .option('--seed', 'publish the bundled pretrained models into the store first')
    .option('--playground <dir>', 'also serve this folder (a built playground) at /')
    .addHelpText('after', S3_HELP)
    .action(async (flags) => {
      const { serveCommand } = await import('./serve.js')
      await serveCommand(flags, io)
    })

  program
    .command('store')
    .description('work on a store directly (no server)')
    .command('copy')
    .description(
      'copy a store (blobs verified by digest, versions, deletions, aliases); idempotent: run it again to resume',
    )
    .requiredOption('--from <dir|s3://bucket/prefix>', 'the store to read')
    .requiredOption('--to <dir|s3://bucket/prefix>', 'the store to fill')
    .addOption(s3EndpointOption())
    .option('--json', 'print the summary as JSON')
    .addHelpText('after', S3_HELP)
    .action(async (flags) => {
      const { storeCopyCommand } = await import('./store-copy.js')
      await storeCopyCommand(flags, io)
    })

  clientOptions(
    program
      .command('publish')
      .description('publish ONNX model files as the next version of NAME')
      .argument('<name>', 'model name (a-z 0-9 . _ -)')
      .argument('<files...>', 'the .onnx model, its external-data files, labels/config .json')
      .option('--alias <alias>', 'point this alias at the new version')
      .option('--label <file>', 'publish FILE with role "labels" (repeatable)', collect)
      .option('--config <file>', 'publish FILE with role "config" (repeatable)', collect)
      .option('--json', 'print the result as JSON'),
  ).action((name: string, files: string[], flags) => publishCommand(name, files, flags, io))

  clientOptions(
    program
      .command('ls')
      .description('list models, or the versions of one model')
      .argument('[name]')
      .option('--json', 'print JSON'),
  ).action((name: string | undefined, flags) => lsCommand(name, flags, io))

  clientOptions(
    program
      .command('show')
      .description("print a version's manifest (default: latest)")
      .argument('<name>')
      .argument('[version-or-alias]'),
  ).action((name: string, ref: string | undefined, flags) => showCommand(name, ref, flags, io))

  const alias = program.command('alias').description('point an alias at a version, or remove it')
  clientOptions(
    alias
      .command('set', { isDefault: true })
      .description('ferry alias NAME ALIAS VERSION')
      .argument('<name>')
      .argument('<alias>')
      .argument('<version>'),
  ).action((name: string, a: string, version: string, flags) => aliasSetCommand(name, a, version, flags, io))
  clientOptions(
    alias.command('rm').description('remove an alias').argument('<name>').argument('<alias>'),
  ).action((name: string, a: string, flags) => aliasRmCommand(name, a, flags, io))
  clientOptions(
    program
      .command('unalias')
      .description('remove an alias (same as alias rm)')
      .argument('<name>')
      .argument('<alias>'),
  ).action((name: string, a: string, flags) => aliasRmCommand(name, a, flags, io))

  clientOptions(
    program
      .command('rm')
      .description('delete a version (refused while an alias points to it)')
      .argument('<name>')
      .argument('<version>'),
  ).action((name: string, version: string, flags) => rmCommand(name, version, flags, io))

  program
    .command('seed')
    .description('publish the bundled pretrained models (idempotent)')
    .option('--store <dir>', 'seed this store folder directly (no server needed)')
    .option('--registry <url>', 'or seed a running registry (default: $FERRY_REGISTRY)')
    .option('--token-file <file>', 'read the token for --registry from FILE (also $FERRY_TOKEN_FILE)')
    .option('--token <token>', `token for --registry (default: $FERRY_TOKEN); ${TOKEN_FLAG_HELP}`)
    .action(async (flags) => {
      const { seedCommand } = await import('../seed/command.js')
      await seedCommand(flags, io)
    })

  return program
}

/** Runs `ferry` with `argv` (without node and script); resolves the exit code. */
export async function main(argv: string[], io: CliIO = processIO()): Promise<number> {
  const program = buildProgram(io)
  try {
    await program.parseAsync(argv, { from: 'user' })
    return EXIT.OK
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.exitCode === 0) {
        return EXIT.OK
      }
      return EXIT.USAGE
    }
    if (hasErrorCode(err)) {
      io.stderr.write(`ferry: ${err.message} [${err.code}]\n`)
    } else {
      const e = err as Error
      io.stderr.write(`ferry: unexpected failure: ${e?.message ?? String(err)}\n`)
      if (io.env.FERRY_DEBUG && e?.stack) io.stderr.write(`${e.stack}\n`)
    }
    return exitCodeFor(err)
  }
}

/** The real process's streams and environment. */
export function processIO(): CliIO {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env }
}
