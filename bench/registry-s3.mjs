// S3 store benchmark, on a throwaway Ceph RGW (scripts/ceph) over loopback, everything measured in the same
// run on the same 64 MiB of random bytes:
//   download: the registry (`ferry serve --store s3://…`, a child process) streaming a blob from the bucket
//     ÷ a direct GET of the same object (presigned URL) — goal ≥ 0.95 (throughput); with --blob-redirect
//     (the 302 hop, then the bucket) — goal 1.0;
//   publish: POST /v1/blobs?digest= plus the manifest POST ÷ the S3 client alone (aws4fetch) uploading the
//     same bytes, the better of one PUT and a multipart upload — goal ≤ 1.1.
// Floor: a bare Node proxy with no Ferry code (pipes the bucket's GET to the client; pipes an upload into
// one streamed PUT), so a ratio can be read against what any registry in the path must pay.
// Options: --size-mb N (64), --rounds N (5). Needs Ceph (see scripts/ceph) and `npm run build` first.
// FERRY_TEST_CEPH='{"endpoint":…}' (as printed for vitest) reuses a running cluster.
import { spawn } from 'node:child_process'
import { createHash, randomFillSync } from 'node:crypto'
import { existsSync } from 'node:fs'
import http from 'node:http'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { AwsClient } from 'aws4fetch'
import { startCeph } from '../scripts/ceph/cluster.mjs'

const { values } = parseArgs({
  options: { 'size-mb': { type: 'string', default: '64' }, rounds: { type: 'string', default: '5' } },
})
const SIZE = Number(values['size-mb']) * 1024 * 1024
const ROUNDS = Number(values.rounds)
const TOKEN = 'bench-token'
const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const bin = join(root, 'packages/registry-server/bin/ferry.js')
if (!existsSync(join(root, 'packages/registry-server/dist/cli/main.js'))) {
  console.error('registry-s3: build first (npm run build)')
  process.exit(1)
}

const cluster = process.env.FERRY_TEST_CEPH
  ? { ...JSON.parse(process.env.FERRY_TEST_CEPH), stop: async () => {} }
  : await startCeph()
const { endpoint, bucket, region, accessKeyId, secretAccessKey } = cluster
const prefix = `bench-${Date.now()}`
const s3 = new AwsClient({ accessKeyId, secretAccessKey, region, service: 's3' })
const env = {
  ...process.env,
  AWS_ACCESS_KEY_ID: accessKeyId,
  AWS_SECRET_ACCESS_KEY: secretAccessKey,
  AWS_REGION: region,
  AWS_ENDPOINT_URL_S3: endpoint,
}
const objectUrl = (key) => `${endpoint}/${bucket}/${prefix}/${key}`
const presign = async (key, method = 'GET') =>
  (await s3.sign(`${objectUrl(key)}?X-Amz-Expires=3600`, { method, aws: { signQuery: true } })).url

const PROXY = `
const http = require('node:http')
const [getUrl, putUrl] = [process.argv[1], process.argv[2]]
const server = http.createServer((req, res) => {
  if (req.method === 'GET') {
    http.get(getUrl, { agent: false }, (up) => { res.writeHead(up.statusCode, up.headers); up.pipe(res) })
  } else {
    const out = http.request(putUrl, { method: 'PUT', agent: false, headers: { 'content-length': req.headers['content-length'] } }, (up) => {
      up.resume(); up.on('end', () => { res.writeHead(up.statusCode); res.end() })
    })
    req.pipe(out)
  }
})
server.listen(0, '127.0.0.1', () => console.log('Proxy: http://127.0.0.1:' + server.address().port))
process.on('SIGTERM', () => process.exit(0))
`

function startServer(args, pattern) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env })
    let out = ''
    let err = ''
    child.stdout.on('data', (d) => {
      out += d
      const m = pattern.exec(out)
      if (m) resolve({ child, url: m[1] })
    })
    child.stderr.on('data', (d) => (err += d))
    child.on('exit', (code) => reject(new Error(`server exited (${code}) before it printed its URL: ${err}`)))
  })
}

/** GETs a URL (following one redirect when asked), discarding the bytes; resolves the byte count. */
function download(url, follow = false) {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false }, (res) => {
        if (follow && res.statusCode === 302) {
          res.resume()
          return download(res.headers.location).then(resolve, reject)
        }
        if (res.statusCode !== 200) return reject(new Error(`GET ${url}: ${res.statusCode}`))
        let n = 0
        res.on('data', (c) => (n += c.length))
        res.on('end', () => resolve(n))
        res.on('error', reject)
      })
      .on('error', reject)
  })
}

/** Sends `body` with `method` to `url` (streamed from memory in 1 MiB writes); resolves the answer's text. */
function send(url, method, body, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method, agent: false, headers: { 'content-length': body.length, ...headers } },
      (res) => {
        let text = ''
        res.on('data', (c) => (text += c))
        res.on('end', () =>
          res.statusCode < 300
            ? resolve(text)
            : reject(new Error(`${method} ${url}: ${res.statusCode} ${text}`)),
        )
      },
    )
    req.on('error', reject)
    let off = 0
    const pump = () => {
      while (off < body.length) {
        const chunk = body.subarray(off, off + (1 << 20))
        off += chunk.length
        if (!req.write(chunk)) return void req.once('drain', pump)
      }
      req.end()
    }
    pump()
  })
}

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
async function time(fn) {
  const t0 = performance.now()
  await fn()
  return performance.now() - t0
}

const blob = randomFillSync(new Uint8Array(SIZE))
/** A fresh variant of the blob for round `i` (one byte differs), so no upload finds its bytes already there. */
const variant = (i) => {
  const b = blob.slice()
  b[0] = i & 0xff
  b[1] = i >> 8
  return b
}
const digestOf = (b) => `sha256:${createHash('sha256').update(b).digest('hex')}`

const registry = await startServer(
  [bin, 'serve', '--port', '0', '--store', `s3://${bucket}/${prefix}/ferry`, '--token', TOKEN],
  /Registry: (\S+)\/v1/,
)
const redirecting = await startServer(
  [
    bin,
    'serve',
    '--port',
    '0',
    '--store',
    `s3://${bucket}/${prefix}/ferry`,
    '--token',
    TOKEN,
    '--blob-redirect',
  ],
  /Registry: (\S+)\/v1/,
)
const digest = digestOf(blob)
await send(`${registry.url}/v1/blobs?digest=${digest}`, 'POST', blob, { authorization: `Bearer ${TOKEN}` })
const directUrl = await presign(`ferry/blobs/sha256/${digest.slice(7)}`)
const proxy = await startServer(
  ['-e', PROXY, directUrl, await presign('proxy-upload', 'PUT')],
  /Proxy: (\S+)/,
)

const rows = {
  direct: [],
  ferry: [],
  redirect: [],
  proxy: [],
  put: [],
  multipart: [],
  publish: [],
  proxyUp: [],
}
try {
  // Round 0 warms every path up and is not counted; the download order rotates from round to round.
  for (let r = 0; r <= ROUNDS; r++) {
    const keep = (row, ms) => r > 0 && row.push(ms)
    const downloads = [
      () => time(() => download(directUrl)).then((ms) => keep(rows.direct, ms)),
      () => time(() => download(`${registry.url}/v1/blobs/${digest}`)).then((ms) => keep(rows.ferry, ms)),
      () =>
        time(() => download(`${redirecting.url}/v1/blobs/${digest}`, true)).then((ms) =>
          keep(rows.redirect, ms),
        ),
      () => time(() => download(`${proxy.url}/`)).then((ms) => keep(rows.proxy, ms)),
    ]
    for (let k = 0; k < downloads.length; k++) await downloads[(k + r) % downloads.length]()

    const [a, b, c, d] = [0, 1, 2, 3].map((k) => variant(r * 4 + k + 1))
    const putUrl = await presign(`alone-${r}`, 'PUT')
    keep(rows.put, await time(() => send(putUrl, 'PUT', a)))
    keep(rows.multipart, await time(() => multipartUpload(`alone-mp-${r}`, b)))
    const dc = digestOf(c)
    keep(
      rows.publish,
      await time(async () => {
        await send(`${registry.url}/v1/blobs?digest=${dc}`, 'POST', c, { authorization: `Bearer ${TOKEN}` })
        const manifest = {
          schemaVersion: 1,
          format: 'onnx',
          files: [{ path: 'model.onnx', role: 'model', digest: dc, size: c.length }],
          inputs: [],
          outputs: [],
        }
        await send(
          `${registry.url}/v1/models/bench/versions`,
          'POST',
          Buffer.from(JSON.stringify(manifest)),
          {
            authorization: `Bearer ${TOKEN}`,
            'content-type': 'application/json',
          },
        )
      }),
    )
    keep(rows.proxyUp, await time(() => send(`${proxy.url}/`, 'PUT', d)))
  }
} finally {
  for (const s of [registry, redirecting, proxy]) s.child.kill('SIGTERM')
}

const mbps = (ms) => (SIZE / 1e6 / (ms / 1000)).toFixed(0)
const m = Object.fromEntries(Object.entries(rows).map(([k, v]) => [k, median(v)]))
const alone = Math.min(m.put, m.multipart)
console.log(`S3 store on Ceph RGW (memstore, loopback), ${SIZE >> 20} MiB, median of ${ROUNDS} rounds`)
console.table({
  'download: direct S3 GET (baseline)': {
    ms: m.direct.toFixed(0),
    'MB/s': mbps(m.direct),
    ratio: '1.00',
    goal: '',
  },
  'download: through the registry': {
    ms: m.ferry.toFixed(0),
    'MB/s': mbps(m.ferry),
    ratio: (m.direct / m.ferry).toFixed(2),
    goal: '≥ 0.95',
  },
  'download: --blob-redirect (302 + bucket)': {
    ms: m.redirect.toFixed(0),
    'MB/s': mbps(m.redirect),
    ratio: (m.direct / m.redirect).toFixed(2),
    goal: '1.0',
  },
  'download floor: bare Node proxy': {
    ms: m.proxy.toFixed(0),
    'MB/s': mbps(m.proxy),
    ratio: (m.direct / m.proxy).toFixed(2),
    goal: '',
  },
  'upload: S3 client alone, one PUT': {
    ms: m.put.toFixed(0),
    'MB/s': mbps(m.put),
    ratio: (m.put / alone).toFixed(2),
    goal: '',
  },
  'upload: S3 client alone, multipart': {
    ms: m.multipart.toFixed(0),
    'MB/s': mbps(m.multipart),
    ratio: (m.multipart / alone).toFixed(2),
    goal: '',
  },
  'publish through the registry ÷ alone': {
    ms: m.publish.toFixed(0),
    'MB/s': mbps(m.publish),
    ratio: (m.publish / alone).toFixed(2),
    goal: '≤ 1.1',
  },
  'upload floor: bare Node proxy, one PUT': {
    ms: m.proxyUp.toFixed(0),
    'MB/s': mbps(m.proxyUp),
    ratio: (m.proxyUp / alone).toFixed(2),
    goal: '',
  },
})
console.log(
  'download ratios: baseline time ÷ time (higher is better); upload ratios: time ÷ the faster S3-alone upload (lower is better)',
)
// Leave the bucket as it was (a reused cluster keeps its data in memory).
for (;;) {
  const xml = await (await s3.fetch(`${endpoint}/${bucket}?list-type=2&prefix=${prefix}/`)).text()
  const keys = [...xml.matchAll(/<Key>(.*?)<\/Key>/g)].map((k) => k[1])
  if (keys.length === 0) break
  await Promise.all(keys.map((k) => s3.fetch(`${endpoint}/${bucket}/${k}`, { method: 'DELETE' })))
}
await cluster.stop()
