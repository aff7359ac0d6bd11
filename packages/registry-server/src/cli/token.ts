/**
 * Where the CLI finds tokens, most specific first: `--token` (visible to every user in `ps`, so it warns),
 * `--token-file`, `FERRY_TOKEN`, `FERRY_TOKEN_FILE`. A token file holds one token per line; blank lines and
 * `#` comments are skipped.
 */
import { readFileSync, statSync } from 'node:fs'
import { FerryError } from '@ferry/protocol'
import type { CliIO } from './commands.js'
import { UsageError } from './exit-codes.js'

export interface TokenFlags {
  /** `--token` values (the client commands take one, `ferry serve` several). */
  token?: string | string[]
  tokenFile?: string
}

export const TOKEN_FLAG_WARNING =
  'warning: a --token value is visible to other users of this machine (ps, /proc, shell history); ' +
  'prefer FERRY_TOKEN or --token-file\n'

/** What `--help` says of a `--token` value. */
export const TOKEN_FLAG_HELP = 'shows in ps: prefer $FERRY_TOKEN or --token-file'

/** The tokens a token file holds. FILE_NOT_FOUND when it cannot be read; a usage error when it holds none. */
export function readTokenFile(path: string, io: Pick<CliIO, 'stderr'>): string[] {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    const code = (err as { code?: string }).code ?? 'unreadable'
    throw new FerryError('FILE_NOT_FOUND', `cannot read the token file ${path} (${code})`)
  }
  const tokens = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0 && !l.startsWith('#'))
  if (tokens.length === 0) throw new UsageError(`the token file ${path} holds no token`)
  if (process.platform !== 'win32' && (statSync(path).mode & 0o077) !== 0) {
    io.stderr.write(`warning: the token file ${path} can be read by other users; chmod 600 it\n`)
  }
  return tokens
}

/** Every token from the first source that has any (see the module comment); empty when none has. */
export function tokensFrom(flags: TokenFlags, io: Pick<CliIO, 'env' | 'stderr'>): string[] {
  const given = flags.token === undefined ? [] : [flags.token].flat()
  if (given.length > 0) {
    if (flags.tokenFile !== undefined) throw new UsageError('give --token or --token-file, not both')
    io.stderr.write(TOKEN_FLAG_WARNING)
    return clean(given)
  }
  if (flags.tokenFile !== undefined) return readTokenFile(flags.tokenFile, io)
  const fromEnv = clean((io.env.FERRY_TOKEN ?? '').split(','))
  if (fromEnv.length > 0) return fromEnv
  const file = io.env.FERRY_TOKEN_FILE
  return file ? readTokenFile(file, io) : []
}

const clean = (tokens: string[]) => tokens.map((t) => t.trim()).filter((t) => t.length > 0)
