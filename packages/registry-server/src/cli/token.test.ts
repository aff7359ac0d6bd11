// Tokens kept out of `ps`: --token-file and FERRY_TOKEN_FILE for `ferry serve` and the client commands, the
// order the sources are taken in, and the warnings (a --token value, a token file others can read).
import { spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RunningRegistry, serve } from '../adapter/node/index.js'
import { EXIT } from './exit-codes.js'
import { main } from './main.js'
import { serveInProcess } from './serve.suite.js'

const pkgDir = fileURLToPath(new URL('../../', import.meta.url))
const BIN = join(pkgDir, 'bin/ferry.js')
const BUILT = existsSync(join(pkgDir, 'dist/cli/main.js'))
const TOKEN = 'secret-from-a-file'

let dir: string
let reg: RunningRegistry
let tokenFile: string

/** Runs `main(args)` in this process with captured output and only the given environment. */
async function ferry(args: string[], env: Record<string, string> = {}) {
  let stdout = ''
  let stderr = ''
  const code = await main(args, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    env: { FERRY_REGISTRY: reg.url, ...env },
  })
  return { code, stdout, stderr }
}
/** A write that needs a token: removing an alias that does not exist answers 404 once the token is taken. */
const write = (...flags: string[]) => ['alias', 'rm', 'm', 'beta', ...flags]

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ferry-token-'))
  reg = await serve({ port: 0, storeDir: join(dir, 'store'), tokens: [TOKEN] })
  tokenFile = join(dir, 'token')
  await writeFile(tokenFile, `# the registry's write token\n\n${TOKEN}\n`, { mode: 0o600 })
})
afterAll(async () => {
  await reg?.close()
  await rm(dir, { recursive: true, force: true })
})

describe('client commands', () => {
  it('take the token from --token-file or FERRY_TOKEN_FILE, without warnings', async () => {
    for (const r of [
      await ferry(write('--token-file', tokenFile)),
      await ferry(write(), { FERRY_TOKEN_FILE: tokenFile }),
    ]) {
      expect(r.stderr).toContain('[ALIAS_NOT_FOUND]')
      expect(r.stderr).not.toContain('warning')
      expect(r.code).toBe(EXIT.NOT_FOUND)
    }
  })

  it('prefer the flags to the environment and FERRY_TOKEN to FERRY_TOKEN_FILE', async () => {
    const wrongFile = join(dir, 'wrong')
    await writeFile(wrongFile, 'wrong-token\n', { mode: 0o600 })
    expect((await ferry(write('--token-file', tokenFile), { FERRY_TOKEN: 'wrong-token' })).code).toBe(
      EXIT.NOT_FOUND,
    )
    expect((await ferry(write(), { FERRY_TOKEN: TOKEN, FERRY_TOKEN_FILE: wrongFile })).code).toBe(
      EXIT.NOT_FOUND,
    )
    expect((await ferry(write('--token-file', wrongFile), { FERRY_TOKEN: TOKEN })).code).toBe(EXIT.AUTH)
  })

  it('warn that a --token value shows in ps, and still use it', async () => {
    const r = await ferry(write('--token', TOKEN))
    expect(r.stderr).toContain('a --token value is visible to other users of this machine')
    expect(r.code).toBe(EXIT.NOT_FOUND)
  })

  it('refuse a missing or empty token file and both flags at once; warn about a file others can read', async () => {
    const missing = await ferry(write('--token-file', join(dir, 'nope')))
    expect(missing.stderr).toMatch(/cannot read the token file .*nope \(ENOENT\) \[FILE_NOT_FOUND\]/)
    expect(missing.code).toBe(EXIT.BAD_FILE)
    const empty = join(dir, 'empty')
    await writeFile(empty, '# nothing here\n', { mode: 0o600 })
    expect((await ferry(write('--token-file', empty))).code).toBe(EXIT.USAGE)
    expect((await ferry(write('--token-file', tokenFile, '--token', TOKEN))).code).toBe(EXIT.USAGE)
    const open = join(dir, 'open')
    await writeFile(open, `${TOKEN}\n`)
    await chmod(open, 0o644)
    const r = await ferry(write('--token-file', open))
    expect(r.stderr).toContain(`warning: the token file ${open} can be read by other users; chmod 600 it`)
    expect(r.code).toBe(EXIT.NOT_FOUND)
  })

  it('say in --help where to keep the token', async () => {
    for (const args of [['--help'], ['publish', '--help'], ['serve', '--help'], ['seed', '--help']]) {
      const text = (await ferry(args)).stdout.replace(/\s+/g, ' ')
      expect(text, args.join(' ')).toContain('--token-file')
      expect(text, args.join(' ')).toContain('FERRY_TOKEN')
      expect(text, args.join(' ')).toContain('shows in ps')
    }
  })
})

describe('ferry serve', () => {
  it('accepts writes with the tokens of --token-file (several, one per line)', async () => {
    const file = join(dir, 'serve-tokens')
    await writeFile(file, 'first-token\nsecond-token\n', { mode: 0o600 })
    const ctl = new AbortController()
    const url = serveInProcess(
      { port: '0', host: '127.0.0.1', store: join(dir, 'served'), tokenFile: file },
      {},
      ctl.signal,
    )
    const base = await url
    for (const [token, status] of [
      ['second-token', 404],
      ['first-token', 404],
      ['other', 403],
    ] as const) {
      const res = await fetch(`${base}/v1/models/m/aliases/beta`, {
        method: 'DELETE',
        headers: { Authorization: `Bearer ${token}` },
      })
      expect(res.status, token).toBe(status)
    }
    ctl.abort()
  })

  it.skipIf(!BUILT)('started with --token-file, shows no token in its command line', async () => {
    const child = spawn(
      process.execPath,
      [BIN, 'serve', '--port', '0', '--store', join(dir, 'ps'), '--token-file', tokenFile],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, FERRY_TOKEN: '' },
      },
    )
    try {
      const base = await new Promise<string>((resolve, reject) => {
        let out = ''
        child.stdout.on('data', (d) => {
          out += d
          const m = /Registry: (http:\/\/localhost:\d+)\/v1\n/.exec(out)
          if (m?.[1]) resolve(m[1].replace('localhost', '127.0.0.1'))
        })
        child.on('close', (code) => reject(new Error(`serve exited ${code}`)))
      })
      const cmdline = readFileSync(`/proc/${child.pid}/cmdline`, 'utf8')
      expect(cmdline).toContain('--token-file')
      expect(cmdline).not.toContain(TOKEN)
      const res = await fetch(`${base}/v1/models/m/aliases/beta`, {
        method: 'DELETE',
        headers: { Authorization: `Bearer ${TOKEN}` },
      })
      expect(res.status).toBe(404)
    } finally {
      child.kill('SIGTERM')
    }
  })
})
