// Starts (and stops) a throwaway Ceph S3 endpoint for tests and benchmarks: scripts/ceph/start.sh in a temp
// folder on free loopback ports, an S3 user, a bucket with a CORS rule for browsers. Used by vitest's and
// Playwright's global setups and by bench/registry-s3.mjs; run it directly to keep one up by hand:
//   node scripts/ceph/cluster.mjs [--frontends N]   prints AWS_* variables, stops on Ctrl-C
import { execFile } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { AwsClient } from 'aws4fetch'

const here = fileURLToPath(new URL('.', import.meta.url))
const run = promisify(execFile)

/** How to get Ceph when it is missing (the message S3 tests fail with). */
export const INSTALL_HINT =
  'Ceph is needed for the S3 store tests: apt-get install ceph-mon ceph-osd radosgw ceph-common ' +
  '(Debian; .ci/run installs them)'

/** A free TCP port on 127.0.0.1 (closed again at once; the caller binds it soon after). */
async function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address()
      s.close(() => resolve(port))
    })
  })
}

async function until(what, timeoutMs, probe) {
  const end = Date.now() + timeoutMs
  let last
  while (Date.now() < end) {
    try {
      const v = await probe()
      if (v) return v
    } catch (err) {
      last = err
    }
    await new Promise((r) => setTimeout(r, 250))
  }
  throw new Error(`ceph: ${what} did not come up in ${timeoutMs / 1000} s${last ? ` (${last.message})` : ''}`)
}

/** A rule that lets any page read objects (presigned GETs from the registry's --blob-redirect). */
const CORS_XML =
  '<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod>' +
  '<AllowedMethod>HEAD</AllowedMethod><AllowedHeader>*</AllowedHeader><ExposeHeader>ETag</ExposeHeader>' +
  '<ExposeHeader>Content-Range</ExposeHeader><ExposeHeader>Content-Length</ExposeHeader>' +
  '<MaxAgeSeconds>600</MaxAgeSeconds></CORSRule></CORSConfiguration>'

/**
 * Starts a cluster with `frontends` radosgw endpoints and one bucket. Resolves to
 * `{ endpoint, endpoints, region, accessKeyId, secretAccessKey, bucket, dir, env, stop() }`, where `env`
 * holds the AWS_* variables a `ferry serve --store s3://bucket` needs. Throws INSTALL_HINT without Ceph.
 */
export async function startCeph({ frontends = 1, bucket = 'ferry' } = {}) {
  try {
    await run('sh', ['-c', 'command -v ceph-mon && command -v ceph-osd && command -v radosgw'])
  } catch {
    throw new Error(INSTALL_HINT)
  }
  const dir = await mkdtemp(join(tmpdir(), 'ferry-ceph-'))
  const stop = async () => {
    await run(join(here, 'stop.sh'), [dir]).catch(() => {})
    await rm(dir, { recursive: true, force: true })
  }
  try {
    const monPort = await freePort()
    const rgwPorts = []
    for (let i = 0; i < frontends; i++) rgwPorts.push(await freePort())
    await run(join(here, 'start.sh'), [dir, String(monPort), ...rgwPorts.map(String)], { timeout: 120_000 })
    const accessKeyId = `FERRY${randomBytes(8).toString('hex').toUpperCase()}`
    const secretAccessKey = randomBytes(24).toString('base64url')
    const endpoints = rgwPorts.map((p) => `http://127.0.0.1:${p}`)
    for (const e of endpoints) await until(`radosgw at ${e}`, 90_000, async () => (await fetch(e)).ok)
    await until('the S3 user', 60_000, async () => {
      await run('radosgw-admin', [
        ...[
          '-c',
          join(dir, 'ceph.conf'),
          'user',
          'create',
          '--uid',
          'ferry',
          '--display-name',
          'Ferry tests',
        ],
        ...['--access-key', accessKeyId, '--secret-key', secretAccessKey],
      ])
      return true
    })
    const region = 'us-east-1'
    const s3 = new AwsClient({ accessKeyId, secretAccessKey, region, service: 's3', retries: 0 })
    const base = `${endpoints[0]}/${bucket}`
    await until(`bucket ${bucket}`, 30_000, async () => {
      const res = await s3.fetch(base, { method: 'PUT' })
      if (!res.ok && res.status !== 409) throw new Error(`PUT bucket: ${res.status} ${await res.text()}`)
      return true
    })
    const md5 = createHash('md5').update(CORS_XML).digest('base64')
    const cors = await s3.fetch(`${base}?cors`, {
      method: 'PUT',
      body: CORS_XML,
      headers: { 'content-md5': md5 },
    })
    if (!cors.ok) throw new Error(`PUT bucket cors: ${cors.status} ${await cors.text()}`)
    const env = {
      AWS_ACCESS_KEY_ID: accessKeyId,
      AWS_SECRET_ACCESS_KEY: secretAccessKey,
      AWS_REGION: region,
      AWS_ENDPOINT_URL_S3: endpoints[0],
    }
    return { endpoint: endpoints[0], endpoints, region, accessKeyId, secretAccessKey, bucket, dir, env, stop }
  } catch (err) {
    await stop()
    throw err
  }
}

/** What a test run shares of its cluster: everything but `dir`, `env` and `stop`. */
function shared({ endpoint, endpoints, region, accessKeyId, secretAccessKey, bucket }) {
  return { endpoint, endpoints, region, accessKeyId, secretAccessKey, bucket }
}

/**
 * For a test run's global setup: starts a cluster without waiting for it and writes its endpoint (or
 * `{ "error": … }`) to `file` once known; FERRY_TEST_CEPH (printed by running this file) reuses a running
 * cluster instead. Returns the teardown, which stops the cluster it started.
 */
export function startCephInBackground(file) {
  const reuse = process.env.FERRY_TEST_CEPH
  const starting = reuse
    ? writeFile(file, reuse).then(() => null)
    : startCeph().then(
        async (c) => {
          await writeFile(file, JSON.stringify(shared(c)))
          return c
        },
        async (err) => {
          await writeFile(file, JSON.stringify({ error: err.message }))
          return null
        },
      )
  return async () => {
    await (await starting)?.stop()
  }
}

/** An S3 store config (as `createS3Store` takes it) for the cluster's bucket under `prefix`. */
export function storeConfigFor({ bucket, region, accessKeyId, secretAccessKey, endpoint }, prefix) {
  return { bucket, prefix: `${prefix}/`, region, accessKeyId, secretAccessKey, endpoint }
}

/** For the tests: waits (up to 120 s) for the endpoint `startCephInBackground` writes; throws its failure. */
export async function waitForCeph(file) {
  const end = Date.now() + 120_000
  for (;;) {
    const text = await readFile(file, 'utf8').catch(() => null)
    if (text) {
      const c = JSON.parse(text)
      if ('error' in c) throw new Error(c.error)
      return c
    }
    if (Date.now() > end) throw new Error('Ceph did not start in 120 s (scripts/ceph/start.sh)')
    await new Promise((r) => setTimeout(r, 200))
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const i = process.argv.indexOf('--frontends')
  const frontends = i > 0 ? Number(process.argv[i + 1]) : 1
  const t0 = Date.now()
  const c = await startCeph({ frontends })
  console.error(`ceph: up in ${((Date.now() - t0) / 1000).toFixed(1)} s; endpoints ${c.endpoints.join(' ')}`)
  for (const [k, v] of Object.entries(c.env)) console.log(`export ${k}=${v}`)
  const reuse = shared(c)
  // For `npx vitest`, the e2e run and bench/registry-s3.mjs to use this cluster instead of starting one.
  console.log(`export FERRY_TEST_CEPH='${JSON.stringify(reuse)}'`)
  console.log(`# bucket: s3://${c.bucket}   stop: Ctrl-C (or kill ${process.pid})`)
  const done = () => c.stop().then(() => process.exit(0))
  process.on('SIGINT', done)
  process.on('SIGTERM', done)
  setInterval(() => {}, 1 << 30)
}
