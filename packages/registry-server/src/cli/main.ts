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
import { addServeOptions, collect, S3_HELP, s3EndpointOption } from './serve-options.js'
import { TOKEN_FLAG_HELP } from './token.js'

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

  addServeOptions(
    program
      .command('serve')
      .description('run a registry on a store: a local folder (fs, the default) or an S3 bucket'),
    'node',
  ).action(async (flags) => {
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
