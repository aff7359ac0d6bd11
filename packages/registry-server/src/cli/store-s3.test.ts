// `ferry store copy` between an fs folder and S3 (a real Ceph RGW, from vitest's global setup), and
// `ferry serve --store s3://… --blob-redirect` over a real socket.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createFsStore } from '../adapter/node/fs-store.js'
import { ingestBlob } from '../store/ingest.js'
import { publishVersion } from '../store/registry.js'
import { type CephEndpoint, ceph, storeConfigFor } from '../store/s3/ceph.suite.js'
import { createS3Store } from '../store/s3/store.js'
import { digestOf, draftFor, readAll, sameBytes, streamOf } from '../store/store.suite.js'
import type { CliIO } from './commands.js'
import { main } from './main.js'
import { serveCommand } from './serve.js'

let dir: string
let c: CephEndpoint
beforeAll(async () => {
  c = await ceph()
  dir = await mkdtemp(join(tmpdir(), 'ferry-cli-s3-'))
}, 150_000)
afterAll(() => rm(dir, { recursive: true, force: true }))

function io(extra: Record<string, string | undefined> = {}) {
  const out = { stdout: '', stderr: '' }
  const cli: CliIO = {
    stdout: { write: (s: string) => (out.stdout += s) },
    stderr: { write: (s: string) => (out.stderr += s) },
    env: {
      AWS_ACCESS_KEY_ID: c.accessKeyId,
      AWS_SECRET_ACCESS_KEY: c.secretAccessKey,
      AWS_REGION: c.region,
      ...extra,
    },
  }
  return { cli, out }
}

const s3Store = (prefix: string) => createS3Store(storeConfigFor(c, prefix))

describe('ferry store copy (fs <-> S3 on Ceph)', () => {
  it('copies an fs store to S3 and back, verified, and a second run copies nothing', async () => {
    const src = join(dir, 'src')
    const fs = createFsStore(src)
    const big = Uint8Array.from({ length: 6_000_000 }, (_, i) => (i * 7) & 0xff)
    const a = await ingestBlob(fs, streamOf(big, 1 << 20), { maxBytes: 1e9 })
    const b = await ingestBlob(fs, streamOf(new Uint8Array(100).fill(9)), { maxBytes: 1e9 })
    await publishVersion(fs, 'm', draftFor(a.digest, a.size))
    await publishVersion(fs, 'm', draftFor(b.digest, b.size))
    await publishVersion(fs, 'm', draftFor(a.digest, a.size))
    await fs.setAlias('m', 'stable', 3)
    await fs.deleteManifest('m', 2)
    const prefix = `copy-${crypto.randomUUID()}`
    const url = `s3://${c.bucket}/${prefix}`

    const first = io()
    expect(
      await main(['store', 'copy', '--from', src, '--to', url, '--s3-endpoint', c.endpoint], first.cli),
    ).toBe(0)
    expect(first.out.stdout).toMatch(
      /^Copied 2 blobs .* and 3 versions; 0 blobs and 0 versions were already there/,
    )
    const s3 = s3Store(prefix)
    expect(await s3.listVersions('m')).toEqual(await fs.listVersions('m'))
    expect(await s3.getAliases('m')).toEqual({ stable: 3 })
    expect(sameBytes(await readAll((await s3.readBlob(a.digest))!), big)).toBe(true)

    const again = io({ AWS_ENDPOINT_URL_S3: c.endpoint })
    expect(await main(['store', 'copy', '--from', src, '--to', url, '--json'], again.cli)).toBe(0)
    expect(JSON.parse(again.out.stdout)).toMatchObject({
      blobs: { copied: 0, skipped: 2 },
      versions: { copied: 0, skipped: 3 },
    })

    const back = join(dir, 'back')
    const home = io({ AWS_ENDPOINT_URL_S3: c.endpoint })
    expect(await main(['store', 'copy', '--from', url, '--to', back], home.cli)).toBe(0)
    const copy = createFsStore(back)
    expect(await copy.listVersions('m')).toEqual(await fs.listVersions('m'))
    expect(await copy.getAliases('m')).toEqual({ stable: 3 })
    expect(digestOf(await readAll((await copy.readBlob(a.digest))!))).toBe(a.digest)
  })

  it('refuses an S3 store without credentials, and --blob-redirect on an fs store (exit 2)', async () => {
    const none = io({ AWS_ACCESS_KEY_ID: undefined })
    expect(await main(['store', 'copy', '--from', join(dir, 'x'), '--to', 's3://bkt/p'], none.cli)).toBe(2)
    expect(none.out.stderr).toContain('set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY')
    const fsRedirect = io()
    expect(
      await main(['serve', '--port', '0', '--store', join(dir, 'y'), '--blob-redirect'], fsRedirect.cli),
    ).toBe(2)
    expect(fsRedirect.out.stderr).toContain('--blob-redirect needs a store that can hand out URLs')
  })
})

describe('ferry serve --store s3://…', () => {
  it('serves publishes and downloads from the bucket, and redirects blob GETs with --blob-redirect', async () => {
    const prefix = `serve-${crypto.randomUUID()}`
    const { cli, out } = io()
    const stop = new AbortController()
    const flags = {
      port: '0',
      host: '127.0.0.1',
      store: `s3://${c.bucket}/${prefix}`,
      s3Endpoint: c.endpoint,
      blobRedirect: true,
      token: ['t0k'],
    }
    const served = serveCommand(flags, cli, stop.signal)
    await expect.poll(() => out.stdout, { timeout: 10_000 }).toMatch(/Registry: /)
    const base = /Registry: (\S+)\/v1/.exec(out.stdout)![1]!
    expect(out.stderr).toContain(
      `store: s3://${c.bucket}/${prefix} at ${c.endpoint} (blob GETs redirect to it)`,
    )
    try {
      const data = new Uint8Array(300_000).map((_, i) => i & 0xff)
      const up = await fetch(`${base}/v1/blobs?digest=${digestOf(data)}`, {
        method: 'POST',
        headers: { authorization: 'Bearer t0k' },
        body: data,
      })
      expect(up.status).toBe(201)
      const pub = await fetch(`${base}/v1/models/net/versions`, {
        method: 'POST',
        headers: { authorization: 'Bearer t0k', 'content-type': 'application/json' },
        body: JSON.stringify(draftFor(digestOf(data), data.byteLength)),
      })
      expect(await pub.json()).toEqual({ version: 1 })
      const hop = await fetch(`${base}/v1/blobs/${digestOf(data)}`, { redirect: 'manual' })
      expect(hop.status).toBe(302)
      expect(hop.headers.get('location')).toMatch(
        new RegExp(`^${c.endpoint}/${c.bucket}/${prefix}/blobs/sha256/`),
      )
      const followed = await fetch(`${base}/v1/blobs/${digestOf(data)}`, {
        headers: { range: 'bytes=1000-' },
      })
      expect(followed.status).toBe(206)
      expect(sameBytes(new Uint8Array(await followed.arrayBuffer()), data.subarray(1000))).toBe(true)
      expect(await s3Store(prefix).listModels()).toEqual(['net'])
    } finally {
      stop.abort()
      await served
    }
  })
})
