// `ferry serve`'s flags: --idle-timeout, --max-connections, --cors-write-origin (and
// FERRY_CORS_WRITE_ORIGINS), --request-timeout, --trust-proxy: bad values are usage errors (exit 2); good
// ones reach the running registry.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EXIT } from './exit-codes.js'
import { main } from './main.js'
import { serveInProcess } from './serve.suite.js'
import { resolveServeConfig } from './serve-config.js'
import { openStore } from './stores.js'

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ferry-serve-flags-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

async function ferry(args: string[]) {
  let stderr = ''
  const code = await main(args, {
    stdout: { write: () => true },
    stderr: { write: (s: string) => (stderr += s) },
    env: { FERRY_TOKEN: 't' },
  })
  return { code, stderr }
}

describe('ferry serve flags', () => {
  it('refuses values that are not counts or origins, from flags and from the environment', async () => {
    const serve = ['serve', '--port', '0', '--store', join(dir, 'never')]
    for (const [args, env, message] of [
      [['--idle-timeout', 'soon'], {}, '--idle-timeout soon is not a whole number >= 0'],
      [['--max-connections', '-1'], {}, '--max-connections -1 is not a whole number >= 0'],
      [['--request-timeout', '0'], {}, '--request-timeout 0 is not a number of seconds > 0'],
      [[], { FERRY_REQUEST_TIMEOUT: 'soon' }, '--request-timeout soon is not a number of seconds'],
      [['--trust-proxy', 'yes'], {}, '--trust-proxy yes is not a whole number >= 0'],
      [['--cors-write-origin', 'app.example.com'], {}, '"app.example.com" is not an origin'],
      [
        [],
        { FERRY_CORS_WRITE_ORIGINS: 'https://ok.example,https://x.example/path' },
        'https://x.example/path',
      ],
    ] as const) {
      // Commander reads variables that mirror flags from the process environment.
      Object.assign(process.env, env)
      const r = await ferry([...serve, ...args]).finally(() => {
        for (const k of Object.keys(env)) delete process.env[k]
      })
      expect(r.code, args.join(' ')).toBe(EXIT.USAGE)
      expect(r.stderr).toContain(message)
    }
  })

  it('passes them to the registry it starts', async () => {
    const ctl = new AbortController()
    const started = serveInProcess(
      {
        port: '0',
        host: '127.0.0.1',
        store: join(dir, 'store'),
        corsWriteOrigin: ['https://admin.example'],
        idleTimeout: '5',
        maxConnections: '10',
      },
      { FERRY_TOKEN: 't' },
      ctl.signal,
    )
    const base = await started
    const upload = (origin: string) =>
      fetch(`${base}/v1/blobs`, {
        method: 'POST',
        headers: { Authorization: 'Bearer t', Origin: origin, 'Sec-Fetch-Site': 'cross-site' },
        body: 'bytes',
      })
    expect((await upload('https://admin.example')).status).toBe(201)
    expect((await upload('https://elsewhere.example')).status).toBe(403)
    ctl.abort()
  })

  it('--request-timeout sets the limit the sweep follows; --trust-proxy takes the client from X-Forwarded-For', async () => {
    const io = { stdout: { write: () => true }, stderr: { write: () => true }, env: { FERRY_TOKEN: 't' } }
    const flags = { port: '0', host: '127.0.0.1', store: join(dir, 'store2') }
    const plain = await resolveServeConfig(flags, io, openStore)
    expect(plain.app.limits).toBeUndefined()
    expect(plain.app.telemetry).toBeUndefined()
    const cfg = await resolveServeConfig({ ...flags, requestTimeout: '2.5', trustProxy: '1' }, io, openStore)
    expect(cfg.app.limits).toEqual({ requestTimeoutMs: 2500 })
    const clientIp = cfg.app.telemetry?.clientIp as (c: unknown) => string | undefined
    const ctx = (headers: Record<string, string>) => ({
      req: { raw: new Request('http://r/v1/telemetry', { headers }) },
      env: { incoming: { socket: { remoteAddress: '10.0.0.9' } } },
    })
    expect(clientIp(ctx({ 'x-forwarded-for': '198.51.100.7, 203.0.113.5' }))).toBe('203.0.113.5')
    // Not through the proxy: the socket's peer.
    expect(clientIp(ctx({}))).toBe('10.0.0.9')
  })
})
