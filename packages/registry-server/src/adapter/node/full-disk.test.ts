// The registry on a really full (and a read-only) filesystem: a 1 MiB tmpfs mounted in a private mount
// namespace (`unshare -rm`, seen by no other process), which this process reaches through /proc/<pid>/root.
// Where the machine allows no such namespace (some containers), the socket tests are skipped and say so.
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtemp, open, readdir, rm, unlink } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { storeFailure } from '../../store/errors.js'
import { digestOf, draftFor } from '../../store/store.suite.js'
import { createFsStore, type RunningRegistry, serve } from './index.js'

interface SmallFs {
  /** The tmpfs, as this process sees it. */
  dir: string
  /** Runs a shell command inside the namespace (e.g. a remount); rejects when it fails. */
  sh(command: string): Promise<void>
  close(): Promise<void>
}

/** A tmpfs of `kib` KiB in a private mount namespace, or the reason none can be made here. */
async function smallTmpfs(kib: number): Promise<SmallFs | string> {
  const mountpoint = await mkdtemp(join(tmpdir(), 'ferry-full-disk-'))
  const script =
    'mount -t tmpfs -o size="$1"k ferry-test "$2" || exit 1; echo ready; ' +
    'while read -r line; do if eval "$line"; then echo ok; else echo fail; fi; done'
  const child = spawn('unshare', ['-rm', 'sh', '-c', script, 'sh', String(kib), mountpoint], {
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  let stderr = ''
  child.stderr.on('data', (d) => {
    stderr += d
  })
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]()
  const next = async () => (await lines.next()).value as string | undefined
  const cleanup = async () => {
    child.kill()
    await rm(mountpoint, { recursive: true, force: true })
  }
  const first = await Promise.race([
    next(),
    new Promise<undefined>((r) => child.once('error', () => r(undefined))),
  ])
  if (first !== 'ready') {
    await cleanup()
    return `no private tmpfs on this machine (unshare -rm: ${stderr.trim() || 'not available'})`
  }
  return {
    dir: `/proc/${child.pid}/root${mountpoint}`,
    async sh(command) {
      child.stdin.write(`${command}\n`)
      const answer = await next()
      if (answer !== 'ok') throw new Error(`in the namespace, "${command}" failed: ${stderr}`)
    },
    close: cleanup,
  }
}

/** Writes into `file` until the filesystem has no room left. */
async function fillUp(file: string): Promise<void> {
  const fh = await open(file, 'w')
  const page = new Uint8Array(4096)
  try {
    for (;;) await fh.write(page)
  } catch (err) {
    if ((err as { code?: string }).code !== 'ENOSPC') throw err
  } finally {
    await fh.close()
  }
}

const fs = await smallTmpfs(1024)
const skipReason = typeof fs === 'string' ? fs : undefined
const TOKEN = 'full-disk-token'
const auth = { Authorization: `Bearer ${TOKEN}` }

describe.skipIf(skipReason !== undefined)(
  `the registry on a full disk${skipReason ? ` (skipped: ${skipReason})` : ''}`,
  () => {
    const tmpfs = fs as SmallFs
    let reg: RunningRegistry
    const store = () => join(tmpfs.dir, 'store')
    const staging = async () => readdir(join(store(), 'tmp')).catch(() => [] as string[])
    const errorOf = async (res: Response) =>
      ((await res.json()) as { error: { code: string; message: string } }).error
    const upload = (bytes: Uint8Array) =>
      fetch(`${reg.url}/v1/blobs?digest=${digestOf(bytes)}`, {
        method: 'POST',
        headers: auth,
        body: bytes as BodyInit,
      })
    const publish = (draft: unknown) =>
      fetch(`${reg.url}/v1/models/m/versions`, {
        method: 'POST',
        headers: { ...auth, 'Content-Type': 'application/json' },
        body: JSON.stringify(draft),
      })
    const setAlias = (version: number) =>
      fetch(`${reg.url}/v1/models/m/aliases/stable`, {
        method: 'PUT',
        headers: { ...auth, 'Content-Type': 'application/json' },
        body: JSON.stringify({ version }),
      })
    /** A store failure's answer: its status and code, and a message that names no path. */
    const expectStoreError = async (res: Response, status: number, code: string) => {
      expect(res.status).toBe(status)
      const err = await errorOf(res)
      expect(err.code).toBe(code)
      expect(err.message).not.toContain(tmpfs.dir)
      expect(err.message).not.toMatch(/\/(proc|tmp|store)\b/)
    }

    beforeAll(async () => {
      reg = await serve({ port: 0, store: createFsStore(store()), tokens: [TOKEN] })
    })
    afterAll(async () => {
      await reg?.close()
      await tmpfs.close()
    })

    it('answers 507 STORE_FULL to an upload that fills the disk, and keeps no staging file', async () => {
      const big = randomBytes(3 * 1024 * 1024)
      await expectStoreError(await upload(big), 507, 'STORE_FULL')
      expect(await staging()).toEqual([])
      expect((await fetch(`${reg.url}/v1/blobs/${digestOf(big)}`, { method: 'HEAD' })).status).toBe(404)
      // The space is free again: a small upload goes through.
      expect((await upload(randomBytes(1000))).status).toBe(201)
    })

    it('answers 507 to a publish and an alias change on a full disk, keeps nothing half-written, and recovers', async () => {
      const bytes = randomBytes(2000)
      expect((await upload(bytes)).status).toBe(201)
      const draft = draftFor(digestOf(bytes), bytes.byteLength)
      expect((await publish(draft)).status).toBe(201)
      const filler = join(tmpfs.dir, 'filler')
      await fillUp(filler)
      try {
        await expectStoreError(await publish(draft), 507, 'STORE_FULL')
        await expectStoreError(await setAlias(1), 507, 'STORE_FULL')
        expect(await staging()).toEqual([])
        expect((await fetch(`${reg.url}/v1/models/m/versions/2`)).status).toBe(404)
        expect((await fetch(`${reg.url}/v1/models/m/aliases/stable`)).status).toBe(404)
        // Reads still work on a full disk.
        expect((await fetch(`${reg.url}/v1/blobs/${digestOf(bytes)}`)).status).toBe(200)
      } finally {
        await unlink(filler)
      }
      expect((await publish(draft)).status).toBe(201)
      expect((await setAlias(2)).status).toBe(200)
    })

    it('answers 503 STORE_UNAVAILABLE while the store is read-only, and serves what it has', async () => {
      const bytes = randomBytes(1500)
      expect((await upload(bytes)).status).toBe(201)
      await tmpfs.sh('mount -o remount,ro "$2"')
      try {
        await expectStoreError(await upload(randomBytes(100)), 503, 'STORE_UNAVAILABLE')
        await expectStoreError(
          await publish(draftFor(digestOf(bytes), bytes.byteLength)),
          503,
          'STORE_UNAVAILABLE',
        )
        const got = await fetch(`${reg.url}/v1/blobs/${digestOf(bytes)}`)
        expect(new Uint8Array(await got.arrayBuffer())).toEqual(new Uint8Array(bytes))
      } finally {
        await tmpfs.sh('mount -o remount,rw "$2"')
      }
      expect(await staging()).toEqual([])
    })
  },
)

describe('store failures', () => {
  it('maps operating-system errors onto 507/503 with messages that name no path', () => {
    const sysErr = (code: string) =>
      Object.assign(new Error(`${code}: failed, open '/srv/store/tmp/x'`), { code, path: '/srv/store/tmp/x' })
    for (const [code, expected] of [
      ['ENOSPC', 'STORE_FULL'],
      ['EDQUOT', 'STORE_FULL'],
      ['EROFS', 'STORE_UNAVAILABLE'],
      ['EIO', 'STORE_UNAVAILABLE'],
      ['EMFILE', 'STORE_UNAVAILABLE'],
    ]) {
      const e = storeFailure(sysErr(code as string))
      expect(e?.code).toBe(expected)
      expect(e?.message).toContain(code)
      expect(e?.message).not.toContain('/srv')
    }
    expect(storeFailure(sysErr('ECONNRESET'))).toBeNull()
    expect(storeFailure(new Error('plain'))).toBeNull()
  })
})
