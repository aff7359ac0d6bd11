// Issue 17: the registry on S3 (a real Ceph RGW started by the global setup). The whole path: `ferry serve
// --store s3://…` and `ferry publish` as real processes, then the runtime in Chromium loads and runs the
// model; a 200 MB upload whose registry is killed mid-way leaves nothing visible, and another instance's
// periodic sweep removes its parts; with --blob-redirect Chromium follows the presigned redirect to the
// bucket, and the runtime's digest check still catches bytes tampered with in the bucket.
import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import path from 'node:path'
import { createS3Store } from '@ferry/registry-server'
import { AwsClient } from 'aws4fetch'
import { catalog, compareTensors, expect, publish, referenceRun, repoRoot, test } from '../fixtures/index.js'
import {
  cliEnv,
  type S3Registry,
  s3Config,
  s3Env,
  spawnFerryServe,
  startS3Registry,
  unfinishedUploads,
} from '../fixtures/s3.js'

test.skip(
  ({ backend }) => backend !== 'wasm',
  'the store is backend-independent; covered in the wasm project',
)

const cls = catalog.ocrCls
const BIN = path.join(repoRoot, 'packages/registry-server/bin/ferry.js')

/** Runs the real `ferry` CLI; resolves its exit code and output. */
function ferry(args: string[], env: Record<string, string>) {
  return new Promise<{ code: number | null; out: string }>((resolve, reject) => {
    const p = spawn(process.execPath, [BIN, ...args], { env: cliEnv(env) })
    let out = ''
    p.stdout.on('data', (d) => (out += d))
    p.stderr.on('data', (d) => (out += d))
    p.on('error', reject)
    p.on('close', (code) => resolve({ code, out }))
  })
}

test('ferry serve on S3 and ferry publish, then the runtime loads and runs the model in Chromium', async ({
  openRuntimePage,
}) => {
  const s3 = await s3Config()
  const { url, env } = s3Env(s3)
  const server = await spawnFerryServe(['--store', url, '--token', 'pub-token'], env)
  try {
    const pub = await ferry(['publish', cls.name, cls.file, '--alias', 'stable'], {
      FERRY_REGISTRY: server.url,
      FERRY_TOKEN: 'pub-token',
    })
    expect(pub.out).toContain(`Published ${cls.name} version 1`)
    expect(pub.code).toBe(0)
    // The bytes are in the bucket, under their digest.
    const store = createS3Store(s3)
    const [file] = (await store.getManifest(cls.name, 1))!.files
    expect(await store.statBlob(file!.digest)).toEqual({ size: file!.size })

    const rp = await openRuntimePage({ registry: server.url })
    await rp.createRuntime()
    const model = await rp.mustLoad(cls.name, { version: 'stable' })
    expect(model.version).toBe(1)
    const feeds = cls.inputs(3)
    const [got, want] = await Promise.all([rp.mustRun(cls.name, feeds), referenceRun(cls.file, feeds)])
    expect(compareTensors(got, want, 1e-4)).toBeNull()
  } finally {
    server.child.kill('SIGTERM')
  }
})

test('a 200 MB upload whose registry is killed mid-way leaves nothing visible, and the sweep removes its parts', async () => {
  test.setTimeout(180_000)
  const s3 = await s3Config()
  const { url, env } = s3Env(s3)
  const size = 200 * 1024 * 1024
  const chunk = (i: number) => new Uint8Array(1 << 20).fill(i & 0xff)
  const hash = createHash('sha256')
  for (let i = 0; i < size >> 20; i++) hash.update(chunk(i))
  const digest = `sha256:${hash.digest('hex')}`

  const doomed = await spawnFerryServe(['--store', url, '--token', 't'], env)
  let sent = 0
  const body = new ReadableStream<Uint8Array>({
    async pull(c) {
      if (sent === 100 << 20) {
        // Half way: the registry dies as a kill -9 would take it.
        doomed.child.kill('SIGKILL')
        await new Promise((r) => setTimeout(r, 200))
      }
      c.enqueue(chunk(sent >> 20))
      sent += 1 << 20
      if (sent >= size) c.close()
    },
  })
  const upload = await fetch(`${doomed.url}/v1/blobs?digest=${digest}`, {
    method: 'POST',
    // Chunked, with no Content-Length: the driver takes the multipart path, which leaves parts behind
    // when the process dies (an announced size streams into one PUT that S3 drops when it is cut).
    headers: { authorization: 'Bearer t' },
    body,
    duplex: 'half',
  } as RequestInit).catch((e: Error) => e)
  expect(upload).toBeInstanceOf(Error)
  expect(sent).toBeGreaterThanOrEqual(100 << 20)

  // What it left: a multipart upload with parts, invisible under the digest.
  const uploads = () => unfinishedUploads(s3)
  expect(await uploads()).toBe(1)

  // Another instance on the same bucket: sees nothing, and its periodic sweep (age 1.5 × its 2 s upload
  // timeout, every 500 ms) aborts the leftover once it is old enough.
  const survivor = await startS3Registry({
    s3,
    limits: { requestTimeoutMs: 2000 },
    sweep: { intervalMs: 500 },
  })
  try {
    const res = await fetch(`${survivor.url}/v1/blobs/${digest}`, { method: 'HEAD' })
    expect(res.status).toBe(404)
    await expect.poll(uploads, { timeout: 20_000 }).toBe(0)
    expect(await createS3Store(s3).statBlob(digest)).toBeNull()
  } finally {
    await survivor.close()
  }
})

/** A registry on S3 with --blob-redirect, ocr-cls published to it; the test's body runs, then it closes. */
async function withRedirectingRegistry(run: (reg: S3Registry, digest: string) => Promise<void>) {
  const reg = await startS3Registry({ blobRedirect: true })
  try {
    const { manifest } = await publish(reg.url, reg.token, cls.name, { 'model.onnx': cls.file })
    await run(reg, manifest.files[0]!.digest)
  } finally {
    await reg.close()
  }
}

test('--blob-redirect: Chromium follows the presigned redirect to the bucket and runs the model', async ({
  openRuntimePage,
  page,
}) => {
  await withRedirectingRegistry(async (reg, digest) => {
    const hops: { url: string; status: number }[] = []
    page.on('response', (r) => hops.push({ url: r.url(), status: r.status() }))
    const rp = await openRuntimePage({ registry: reg.url })
    await rp.createRuntime()
    await rp.mustLoad(cls.name)
    const feeds = cls.inputs(4)
    const [got, want] = await Promise.all([rp.mustRun(cls.name, feeds), referenceRun(cls.file, feeds)])
    expect(compareTensors(got, want, 1e-4)).toBeNull()
    expect(hops.find((h) => h.url.endsWith(`/v1/blobs/${digest}`))?.status).toBe(302)
    expect(hops.find((h) => h.url.startsWith(`${reg.s3.endpoint}/${reg.s3.bucket}/`))?.status).toBe(200)
  })
})

test('--blob-redirect: bytes changed in the bucket behind the registry are refused (INTEGRITY_MISMATCH)', async ({
  openRuntimePage,
}) => {
  await withRedirectingRegistry(async (reg, digest) => {
    const { accessKeyId, secretAccessKey, region, endpoint, bucket, prefix } = reg.s3
    const aws = new AwsClient({ accessKeyId, secretAccessKey, region, service: 's3' })
    const key = `${endpoint}/${bucket}/${prefix}blobs/sha256/${digest.slice(7)}`
    const bytes = new Uint8Array(await (await aws.fetch(key)).arrayBuffer())
    bytes[bytes.length >> 1]! ^= 0xff
    expect((await aws.fetch(key, { method: 'PUT', body: bytes })).status).toBe(200)
    const rp = await openRuntimePage({ registry: reg.url })
    await rp.createRuntime()
    const bad = await rp.load(cls.name)
    expect(bad.ok).toBe(false)
    expect(!bad.ok && bad.error.code).toBe('INTEGRITY_MISMATCH')
  })
})
