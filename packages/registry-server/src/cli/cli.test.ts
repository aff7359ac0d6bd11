// The `ferry` CLI against a real registry over a socket: in-process `main()` for most cases, the real bin
// (spawned `node bin/ferry.js`, needs `npm run build`) for publish, ls, serve and an exit code.
import { spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Manifest } from '@ferry/protocol'
import onnxProto from 'onnx-proto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RunningRegistry, serve } from '../adapter/node/index.js'
import { RegistryClient } from './client.js'
import { EXIT } from './exit-codes.js'
import { main } from './main.js'

const pkgDir = fileURLToPath(new URL('../../', import.meta.url))
const repoRoot = join(pkgDir, '../..')
const BIN = join(pkgDir, 'bin/ferry.js')
const BUILT = existsSync(join(pkgDir, 'dist/cli/main.js'))
const VAD = join(repoRoot, 'node_modules/@ricky0123/vad-web/dist/silero_vad_legacy.onnx')
const TOKEN = 'cli-test-token'

interface Run {
  code: number
  stdout: string
  stderr: string
}

let dir: string
let reg: RunningRegistry
let env: Record<string, string>

/** Runs `main(args)` in this process with captured output. */
async function ferry(args: string[], extraEnv: Record<string, string | undefined> = {}): Promise<Run> {
  let stdout = ''
  let stderr = ''
  const code = await main(args, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    env: { ...env, ...extraEnv },
  })
  return { code, stdout, stderr }
}

/** Runs the real launcher in a child process. */
function ferryBin(args: string[], extraEnv: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, ...env, ...extraEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }))
  })
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ferry-cli-'))
  reg = await serve({ port: 0, storeDir: join(dir, 'store'), tokens: [TOKEN] })
  env = { FERRY_REGISTRY: `${reg.url}/v1`, FERRY_TOKEN: TOKEN }
})
afterAll(async () => {
  await reg?.close()
  await rm(dir, { recursive: true, force: true })
})

describe.skipIf(!BUILT)('the real bin (built dist)', () => {
  it('publishes a real model with progress and an alias, then lists it', async () => {
    const pub = await ferryBin(['publish', 'vad', VAD, '--alias', 'stable'])
    expect(pub.stderr).toContain('100%')
    expect(pub.stdout).toContain('Published vad version 1 (1 file, 1.8 MB; 1 uploaded')
    expect(pub.stdout).toContain('Alias stable -> 1')
    expect(pub.code).toBe(0)

    const ls = await ferryBin(['ls'])
    expect(ls.code).toBe(0)
    expect(ls.stdout).toMatch(/NAME\s+LATEST\s+ALIASES\n(.*\n)*vad\s+1\s+stable=1/)
  })

  it('exits 3 when the registry is unreachable', async () => {
    const r = await ferryBin(['ls', '--registry', 'http://127.0.0.1:9'])
    expect(r.code).toBe(EXIT.UNREACHABLE)
    expect(r.stderr).toContain('cannot reach the registry at http://127.0.0.1:9')
    expect(r.stderr).toContain('[REGISTRY_UNREACHABLE]')
  })

  it('`ferry serve` prints its URL, serves, and stops on SIGTERM', async () => {
    const child = spawn(
      process.execPath,
      [BIN, 'serve', '--port', '0', '--store', join(dir, 'served'), '--token', 'x'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    const url = await new Promise<string>((resolve, reject) => {
      let out = ''
      child.stdout.on('data', (d) => {
        out += d
        const m = /Registry: (http:\/\/localhost:\d+\/v1)\n/.exec(out)
        if (m?.[1]) resolve(m[1])
      })
      child.on('close', (code) => reject(new Error(`serve exited ${code} before printing its URL`)))
    })
    const health = await fetch(`${url.replace('localhost', '127.0.0.1')}/health`)
    expect(await health.json()).toEqual({ status: 'ok' })
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve))
    child.kill('SIGTERM')
    expect(await exited).toBe(0)
  })
})

describe('ferry commands against a live registry', () => {
  it('publishes, skips blobs the registry has, and reads the signature from the graph', async () => {
    const first = await ferry(['publish', 'sig', VAD, '--json'])
    expect(first.code, first.stderr).toBe(0)
    const again = await ferry(['publish', 'sig', VAD])
    expect(again.code).toBe(0)
    expect(again.stdout).toContain(
      'Published sig version 2 (1 file, 1.8 MB; 0 uploaded, 1 already in the registry)',
    )
    expect(again.stderr).toContain('already in the registry, skipped')

    const show = await ferry(['show', 'sig', '2'])
    const m = JSON.parse(show.stdout) as Manifest
    expect(m.version).toBe(2)
    expect(m.files).toEqual([
      expect.objectContaining({
        path: 'silero_vad_legacy.onnx',
        role: 'model',
        size: readFileSync(VAD).byteLength,
      }),
    ])
    expect(m.inputs.map((i) => [i.name, i.dtype, i.shape])).toEqual([
      ['input', 'float32', ['batch', 'sequence']],
      ['sr', 'int64', []],
      ['h', 'float32', [2, 'batch', 64]],
      ['c', 'float32', [2, 'batch', 64]],
    ])
  })

  it('downloads the published blob by digest, whole and by range', async () => {
    const m = JSON.parse((await ferry(['show', 'sig'])).stdout) as Manifest
    const digest = m.files[0]!.digest
    const client = new RegistryClient({ registry: reg.url })
    const part = await client.getBlob(digest, { start: 100, end: 199 })
    expect(part.status).toBe(206)
    expect(part.headers.get('content-range')).toBe(`bytes 100-199/${m.files[0]!.size}`)
    expect(new Uint8Array(await part.arrayBuffer())).toEqual(
      new Uint8Array(readFileSync(VAD).subarray(100, 200)),
    )
    const whole = await client.getBlob(digest)
    expect((await whole.arrayBuffer()).byteLength).toBe(m.files[0]!.size)
  })

  it('publishes labels and external-data files with their roles', async () => {
    const { onnx } = onnxProto
    const model = onnx.ModelProto.encode({
      irVersion: 8,
      opsetImport: [{ domain: '', version: 17 }],
      graph: {
        name: 'g',
        initializer: [
          {
            name: 'w',
            dataType: 1,
            dims: [2],
            dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
            externalData: [{ key: 'location', value: 'ext.weights' }],
          },
        ],
        node: [{ opType: 'Add', input: ['x', 'w'], output: ['y'] }],
        input: [{ name: 'x', type: { tensorType: { elemType: 1, shape: { dim: [{ dimValue: 2 }] } } } }],
        output: [{ name: 'y', type: { tensorType: { elemType: 1, shape: { dim: [{ dimValue: 2 }] } } } }],
      },
    }).finish()
    await writeFile(join(dir, 'ext.onnx'), model)
    await writeFile(join(dir, 'ext.weights'), new Uint8Array(8))
    await writeFile(join(dir, 'names.json'), '["a","b"]')
    const r = await ferry(['publish', 'ext', join(dir, 'ext.onnx'), '--label', join(dir, 'names.json')])
    expect(r.code, r.stderr).toBe(0)
    const m = JSON.parse((await ferry(['show', 'ext', 'latest'])).stdout) as Manifest
    expect(m.files.map((f) => [f.path, f.role])).toEqual([
      ['ext.onnx', 'model'],
      ['ext.weights', 'external-data'],
      ['names.json', 'labels'],
    ])
  })

  it('moves aliases, lists versions, and refuses to delete an aliased version', async () => {
    expect((await ferry(['alias', 'sig', 'stable', '1'])).code).toBe(0)
    const ls = await ferry(['ls', 'sig'])
    expect(ls.stdout).toMatch(
      /^VERSION\s+CREATED\s+SIZE\s+ALIASES\n1\s+\S+\s+1\.8 MB\s+stable\n2\s+\S+\s+1\.8 MB\s+latest\n$/,
    )

    const refused = await ferry(['rm', 'sig', '1'])
    expect(refused.code).toBe(EXIT.CONFLICT)
    expect(refused.stderr).toContain('[ALIAS_IN_USE]')

    expect((await ferry(['alias', 'rm', 'sig', 'stable'])).code).toBe(0)
    expect((await ferry(['alias', 'sig', 'beta', '2'])).code).toBe(0)
    expect((await ferry(['unalias', 'sig', 'beta'])).code).toBe(0)
    const deleted = await ferry(['rm', 'sig', '1'])
    expect(deleted.code, deleted.stderr).toBe(0)
    expect(deleted.stdout).toBe('Deleted sig version 1\n')
    const gone = await ferry(['rm', 'sig', '1'])
    expect(gone.code).toBe(EXIT.NOT_FOUND)
    expect(gone.stderr).toContain('[VERSION_NOT_FOUND]')
  })
})

describe('ferry failures: message, code, exit status', () => {
  it('token missing → 4 UNAUTHORIZED; wrong token → 4 FORBIDDEN; nothing published', async () => {
    const missing = await ferry(['publish', 'auth', VAD], { FERRY_TOKEN: undefined })
    expect(missing.code).toBe(EXIT.AUTH)
    expect(missing.stderr).toMatch(/\[UNAUTHORIZED\]/)
    expect(missing.stderr).toContain('set FERRY_TOKEN or pass --token-file')
    const wrong = await ferry(['alias', 'sig', 'beta', '2', '--token', 'nope'])
    expect(wrong.code).toBe(EXIT.AUTH)
    expect(wrong.stderr).toMatch(/\[FORBIDDEN\]/)
    expect((await ferry(['ls', 'auth'])).code).toBe(EXIT.NOT_FOUND)
  })

  it('missing file → 7 FILE_NOT_FOUND; a file that is not ONNX → 7 NOT_ONNX', async () => {
    const missing = await ferry(['publish', 'nf', join(dir, 'nope.onnx')])
    expect(missing.code).toBe(EXIT.BAD_FILE)
    expect(missing.stderr).toContain('[FILE_NOT_FOUND]')
    await writeFile(join(dir, 'fake.onnx'), '{"not":"a model"}')
    const fake = await ferry(['publish', 'nf', join(dir, 'fake.onnx')])
    expect(fake.code).toBe(EXIT.BAD_FILE)
    expect(fake.stderr).toContain('fake.onnx is not an ONNX model')
    expect(fake.stderr).toContain('[NOT_ONNX]')
  })

  it('bad names, versions, options and commands → 2', async () => {
    expect((await ferry(['publish', 'Bad/Name', VAD])).stderr).toContain('[INVALID_NAME]')
    expect((await ferry(['publish', 'Bad/Name', VAD])).code).toBe(EXIT.USAGE)
    expect((await ferry(['rm', 'sig', 'one'])).code).toBe(EXIT.USAGE)
    expect((await ferry(['alias', 'sig', '9lives', '1'])).code).toBe(EXIT.USAGE)
    expect((await ferry(['ls', '--registry', 'ftp://x'])).code).toBe(EXIT.USAGE)
    expect((await ferry(['frobnicate'])).code).toBe(EXIT.USAGE)
    expect((await ferry(['publish', 'x'])).code).toBe(EXIT.USAGE)
    expect((await ferry(['--help'])).code).toBe(EXIT.OK)
  })

  it("prints the registry's error code for rejected requests", async () => {
    const r = await ferry(['alias', 'sig', 'stable', '99'])
    expect(r.code).toBe(EXIT.NOT_FOUND)
    expect(r.stderr).toMatch(/^ferry: .+ \[VERSION_NOT_FOUND\]\n$/)
    const unknown = await ferry(['show', 'no-such-model'])
    expect(unknown.code).toBe(EXIT.NOT_FOUND)
    expect(unknown.stderr).toContain('[MODEL_NOT_FOUND]')
  })
})
