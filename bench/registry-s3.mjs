// S3 store benchmark, on a throwaway Ceph RGW (scripts/ceph) over loopback, everything measured in the same
// run on the same 64 MiB of random bytes:
//   download: the registry (`ferry serve --store s3://…`, a child process) streaming a blob from the bucket
//     ÷ a direct GET of the same object (presigned URL) — goal ≥ 0.95 (throughput); with --blob-redirect
//     (the 302 hop, then the bucket) — goal 1.0;
//   publish: POST /v1/blobs?digest= plus the manifest POST ÷ the S3 client alone uploading the same bytes,
//     the better of one PUT and a multipart upload — goal ≤ 1.1.
// Floors, with no Ferry code: a bare Node proxy that pipes the bucket's GET to the client and an upload into
// one streamed PUT; a bare server that answers 302 to the bucket (what any redirect costs); and the same proxy doing what a registry that verifies uploads must do (hash the bytes
// as they pass, and have S3 check them against the digest, x-amz-content-sha256, as Ferry does).
// Besides wall time, each row gives the CPU time (all threads, /proc) of the process in the path (the
// registry or the proxy) and of the Ceph daemons: steadier than wall time on a loaded machine, and what
// a path costs it.
// Options: --size-mb N (64), --rounds N (5); --compare-fetch: also a registry whose S3 client sends with
// the global fetch (the transport Deno and edge hosts use) instead of node:http; --compare-bin PATH: also a
// registry started from another build's bin/ferry.js (an earlier commit, say), paired round by round;
// --paths a,b,…: only these rows (the keys of `paths` below). Needs Ceph (see scripts/ceph) and
// `npm run build` first. FERRY_TEST_CEPH='{"endpoint":…}' (as printed by scripts/ceph/cluster.mjs) reuses
// a running cluster.
import { createHash, randomFillSync } from 'node:crypto'
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { AwsClient } from 'aws4fetch'
import { startCeph } from '../scripts/ceph/cluster.mjs'
import { cephPids, cpuMs, cpuMsOf } from './lib/proc-cpu.mjs'
import { download as downloadBytes, PROXY, send, startServer } from './lib/s3-http.mjs'

const { values } = parseArgs({
  options: {
    'size-mb': { type: 'string', default: '64' },
    rounds: { type: 'string', default: '5' },
    'compare-fetch': { type: 'boolean', default: false },
    'compare-bin': { type: 'string' },
    paths: { type: 'string' },
  },
})
const SIZE = Number(values['size-mb']) * 1024 * 1024
const ROUNDS = Number(values.rounds)
const TOKEN = 'bench-token'
const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const bin = join(root, 'packages/registry-server/bin/ferry.js')
const nodeEntry = join(root, 'packages/registry-server/dist/adapter/node/index.js')
if (!existsSync(nodeEntry)) {
  console.error('registry-s3: build first (npm run build)')
  process.exit(1)
}

const cluster = process.env.FERRY_TEST_CEPH
  ? { ...JSON.parse(process.env.FERRY_TEST_CEPH), stop: async () => {} }
  : await startCeph()
const { endpoint, bucket, region, accessKeyId, secretAccessKey } = cluster
const ceph = cephPids(endpoint)
const prefix = `bench-${Date.now()}`
const s3 = new AwsClient({ accessKeyId, secretAccessKey, region, service: 's3' })
const env = {
  ...process.env,
  AWS_ACCESS_KEY_ID: accessKeyId,
  AWS_SECRET_ACCESS_KEY: secretAccessKey,
  AWS_REGION: region,
  AWS_ENDPOINT_URL_S3: endpoint,
  FERRY_TOKEN: TOKEN,
}
const start = (args, pattern) => startServer(args, pattern, env)
const download = (url, follow = false) => downloadBytes(url, SIZE, follow)
const objectUrl = (key) => `${endpoint}/${bucket}/${prefix}/${key}`
const presign = async (key, method = 'GET') =>
  (await s3.sign(`${objectUrl(key)}?X-Amz-Expires=3600`, { method, aws: { signQuery: true } })).url
/** URL and headers of a PUT that S3 stores only if the bytes hash to `hex` (x-amz-content-sha256, signed). */
async function checkedPut(key, hex) {
  const signed = await s3.sign(objectUrl(key), { method: 'PUT', headers: { 'x-amz-content-sha256': hex } })
  return { url: signed.url, headers: Object.fromEntries(signed.headers) }
}

// The registry with its S3 client on the global fetch (what Deno and edge hosts use), for --compare-fetch.
const FETCH_REGISTRY = `
const { serve } = await import(${JSON.stringify(pathToFileURL(nodeEntry).href)})
const { createS3Store, s3ConfigFromEnv } = await import(${JSON.stringify(
  pathToFileURL(join(root, 'packages/registry-server/dist/index.js')).href,
)})
const store = createS3Store(s3ConfigFromEnv(process.argv[1], process.env))
const r = await serve({ store, tokens: [process.env.FERRY_TOKEN] })
console.log('Registry: ' + r.url + '/v1')
process.on('SIGTERM', () => process.exit(0))
`

/** The S3 client alone, multipart: 8 MiB parts, two in flight (what Ferry's driver does). */
async function multipartUpload(key, body) {
  const url = objectUrl(key)
  const init = await (await s3.fetch(`${url}?uploads`, { method: 'POST' })).text()
  const uploadId = /<UploadId>(.*?)<\/UploadId>/.exec(init)[1]
  const part = 8 << 20
  const etags = []
  const inFlight = new Set()
  for (let n = 1, off = 0; off < body.length; n++, off += part) {
    const p = s3
      .fetch(`${url}?partNumber=${n}&uploadId=${encodeURIComponent(uploadId)}`, {
        method: 'PUT',
        body: body.subarray(off, off + part),
      })
      .then((r) => r.headers.get('etag'))
    etags.push(p)
    inFlight.add(p)
    p.finally(() => inFlight.delete(p))
    if (inFlight.size >= 2) await Promise.race(inFlight)
  }
  const parts = (await Promise.all(etags)).map(
    (e, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>${e}</ETag></Part>`,
  )
  const done = await s3.fetch(`${url}?uploadId=${encodeURIComponent(uploadId)}`, {
    method: 'POST',
    body: `<CompleteMultipartUpload>${parts.join('')}</CompleteMultipartUpload>`,
  })
  if (!done.ok) throw new Error(`complete: ${done.status}`)
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

const blob = randomFillSync(new Uint8Array(SIZE))
/** A fresh variant of the blob (one byte differs), so no upload finds its bytes already there. */
let variants = 0
const variant = () => {
  const b = blob.slice()
  variants++
  b[0] = variants & 0xff
  b[1] = variants >> 8
  return b
}
const hexOf = (b) => createHash('sha256').update(b).digest('hex')

const store = `s3://${bucket}/${prefix}/ferry`
const registry = await start([bin, 'serve', '--port', '0', '--store', store], /Registry: (\S+)\/v1/)
const redirecting = await start(
  [bin, 'serve', '--port', '0', '--store', store, '--blob-redirect'],
  /Registry: (\S+)\/v1/,
)
const viaFetch = values['compare-fetch']
  ? await start(['--input-type=module', '-e', FETCH_REGISTRY, store], /Registry: (\S+)\/v1/)
  : null
const other = values['compare-bin']
  ? await start([values['compare-bin'], 'serve', '--port', '0', '--store', store], /Registry: (\S+)\/v1/)
  : null
const digest = `sha256:${hexOf(blob)}`
await send(`${registry.url}/v1/blobs?digest=${digest}`, 'POST', blob, { authorization: `Bearer ${TOKEN}` })
const directUrl = await presign(`ferry/blobs/sha256/${digest.slice(7)}`)
const proxy = await start(['-e', PROXY, directUrl], /Proxy: (\S+)/)

/** Ferry's publish: the blob, then the manifest; resolves the manifest POST's own ms. */
async function publish(base, bytes) {
  const d = `sha256:${hexOf(bytes)}`
  const auth = { authorization: `Bearer ${TOKEN}` }
  await send(`${base}/v1/blobs?digest=${d}`, 'POST', bytes, auth)
  const manifest = {
    schemaVersion: 1,
    format: 'onnx',
    files: [{ path: 'model.onnx', role: 'model', digest: d, size: bytes.length }],
    inputs: [],
    outputs: [],
  }
  const t0 = performance.now()
  await send(`${base}/v1/models/bench/versions`, 'POST', Buffer.from(JSON.stringify(manifest)), {
    ...auth,
    'content-type': 'application/json',
  })
  return performance.now() - t0
}

// Each path: what it runs (given a fresh variant of the blob for uploads) and the process in its way.
const paths = {
  direct: { run: () => download(directUrl) },
  ferry: { run: () => download(`${registry.url}/v1/blobs/${digest}`), pid: registry.child.pid },
  ...(viaFetch
    ? { ferryFetch: { run: () => download(`${viaFetch.url}/v1/blobs/${digest}`), pid: viaFetch.child.pid } }
    : {}),
  ...(other
    ? { ferryOther: { run: () => download(`${other.url}/v1/blobs/${digest}`), pid: other.child.pid } }
    : {}),
  redirect: {
    run: () => download(`${redirecting.url}/v1/blobs/${digest}`, true),
    pid: redirecting.child.pid,
  },
  proxy: { run: () => download(`${proxy.url}/`), pid: proxy.child.pid },
  redirectFloor: { run: () => download(`${proxy.url}/redirect`, true), pid: proxy.child.pid },
  put: { upload: true, run: async (b) => send(await presign(`alone-${variants}`, 'PUT'), 'PUT', b) },
  putChecked: {
    upload: true,
    run: async (b) => {
      const { url, headers } = await checkedPut(`alone-checked-${variants}`, hexOf(b))
      await send(url, 'PUT', b, headers)
    },
  },
  multipart: { upload: true, run: (b) => multipartUpload(`alone-mp-${variants}`, b) },
  publish: { upload: true, run: (b) => publish(registry.url, b), pid: registry.child.pid },
  ...(viaFetch
    ? { publishFetch: { upload: true, run: (b) => publish(viaFetch.url, b), pid: viaFetch.child.pid } }
    : {}),
  ...(other
    ? { publishOther: { upload: true, run: (b) => publish(other.url, b), pid: other.child.pid } }
    : {}),
  proxyUp: {
    upload: true,
    run: async (b) =>
      send(`${proxy.url}/`, 'PUT', b, {
        'x-put': JSON.stringify({ url: await presign(`proxy-${variants}`, 'PUT'), headers: {} }),
      }),
    pid: proxy.child.pid,
  },
  proxyUpChecked: {
    upload: true,
    run: async (b) => {
      const hex = hexOf(b)
      const put = await checkedPut(`proxy-checked-${variants}`, hex)
      await send(`${proxy.url}/`, 'PUT', b, { 'x-put': JSON.stringify(put), 'x-hash': hex })
    },
    pid: proxy.child.pid,
  },
}
if (values.paths) {
  const keep = new Set(values.paths.split(','))
  for (const k of Object.keys(paths)) if (!keep.has(k)) delete paths[k]
}
const rows = Object.fromEntries(
  Object.keys(paths).map((k) => [k, { ms: [], cpu: [], ceph: [], manifest: [] }]),
)

try {
  // Round 0 warms every path up and is not counted; the order rotates from round to round.
  const names = Object.keys(paths)
  for (let r = 0; r <= ROUNDS; r++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(k + r) % names.length]
      const path = paths[name]
      const bytes = path.upload ? variant() : null
      const [cpu0, ceph0, t0] = [path.pid ? cpuMs(path.pid) : 0, cpuMsOf(ceph), performance.now()]
      const extra = await path.run(bytes)
      const ms = performance.now() - t0
      if (r === 0) continue
      const row = rows[name]
      row.ms.push(ms)
      row.cpu.push(path.pid ? cpuMs(path.pid) - cpu0 : Number.NaN)
      row.ceph.push(cpuMsOf(ceph) - ceph0)
      if (typeof extra === 'number') row.manifest.push(extra)
    }
  }
} finally {
  for (const s of [registry, redirecting, proxy, viaFetch, other]) s?.child.kill('SIGTERM')
}

const m = Object.fromEntries(
  Object.entries(rows).map(([k, v]) => [
    k,
    { ms: median(v.ms), cpu: median(v.cpu), ceph: median(v.ceph), manifest: median(v.manifest) },
  ]),
)
const alone = Math.min(...[m.put?.ms, m.multipart?.ms].filter((x) => x !== undefined))
const mbps = (ms) => (SIZE / 1e6 / (ms / 1000)).toFixed(0)
const cell = (x) => (Number.isFinite(x) ? x.toFixed(0) : '')
const line = (key, ratio, goal = '') => ({
  ms: cell(m[key].ms),
  'MB/s': mbps(m[key].ms),
  ratio: ratio.toFixed(2),
  goal,
  'server CPU ms': cell(m[key].cpu),
  'Ceph CPU ms': cell(m[key].ceph),
})
const down = (key, goal) => line(key, (m.direct?.ms ?? Number.NaN) / m[key].ms, goal)
const up = (key, goal) => line(key, m[key].ms / alone, goal)
console.log(
  `S3 store on Ceph RGW (memstore, loopback), ${SIZE >> 20} MiB, median of ${ROUNDS} rounds, load average ${(
    await import('node:os')
  )
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')}`,
)
const labels = {
  direct: ['download: direct S3 GET (baseline)', down],
  ferry: ['download: through the registry', down, '≥ 0.95'],
  ferryFetch: ['download: registry, S3 client on fetch', down],
  ferryOther: ['download: registry of --compare-bin', down],
  redirect: ['download: --blob-redirect (302 + bucket)', down, '1.0'],
  proxy: ['download floor: bare Node proxy', down],
  redirectFloor: ['redirect floor: bare 302 + bucket', down],
  put: ['upload: S3 client alone, one PUT', up],
  multipart: ['upload: S3 client alone, multipart', up],
  putChecked: ['upload: one PUT, S3 checks the digest', up],
  publish: ['publish through the registry ÷ alone', up, '≤ 1.1'],
  publishFetch: ['publish: registry, S3 client on fetch', up],
  publishOther: ['publish: registry of --compare-bin', up],
  proxyUp: ['upload floor: bare Node proxy, one PUT', up],
  proxyUpChecked: ['upload floor + hash, S3 checks digest', up],
}
console.table(
  Object.fromEntries(
    Object.entries(labels)
      .filter(([key]) => rows[key])
      .map(([key, [label, fn, goal]]) => [label, fn(key, goal)]),
  ),
)
console.log(
  'download ratios: baseline time ÷ time (higher is better); upload ratios: time ÷ the faster S3-alone upload (lower is better)',
)
const f = (x) => x.toFixed(2)
if (m.ferry && m.proxy) {
  console.log(
    `Ferry ÷ floor, download: ${f(m.proxy.ms / m.ferry.ms)} of the bare proxy's throughput, ${f(m.ferry.cpu / m.proxy.cpu)}× its CPU`,
  )
}
if (m.redirect && m.redirectFloor) {
  console.log(
    `Ferry ÷ floor, redirect: ${f(m.redirectFloor.ms / m.redirect.ms)} of a bare 302's throughput (${cell(m.redirect.ms - m.redirectFloor.ms)} ms more)`,
  )
}
if (m.publish && m.proxyUp && m.proxyUpChecked) {
  console.log(
    `Ferry ÷ floor, publish: ${f(m.publish.ms / m.proxyUp.ms)}× the bare proxy's time, ${f(m.publish.ms / m.proxyUpChecked.ms)}× ` +
      `the hashing one's, ${f(m.publish.cpu / m.proxyUpChecked.cpu)}× its CPU; the manifest POST took ${cell(m.publish.manifest)} ms`,
  )
}
if (m.ferryFetch && m.publishFetch) {
  console.log(
    `registry CPU, S3 client on node:http ÷ on fetch: download ${f(m.ferry.cpu / m.ferryFetch.cpu)}×, ` +
      `publish ${f(m.publish.cpu / m.publishFetch.cpu)}×`,
  )
}
if (m.ferryOther && m.publishOther) {
  console.log(
    `this build ÷ --compare-bin's: download ${f(m.ferryOther.ms / m.ferry.ms)} of its time (CPU ${f(m.ferry.cpu / m.ferryOther.cpu)}×), ` +
      `publish ${f(m.publish.ms / m.publishOther.ms)}× its time (CPU ${f(m.publish.cpu / m.publishOther.cpu)}×)`,
  )
}
// Leave the bucket as it was (a reused cluster keeps its data in memory).
for (;;) {
  const xml = await (await s3.fetch(`${endpoint}/${bucket}?list-type=2&prefix=${prefix}/`)).text()
  const keys = [...xml.matchAll(/<Key>(.*?)<\/Key>/g)].map((k) => k[1])
  if (keys.length === 0) break
  await Promise.all(keys.map((k) => s3.fetch(`${endpoint}/${bucket}/${k}`, { method: 'DELETE' })))
}
await cluster.stop()
