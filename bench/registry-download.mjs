// Registry blob download benchmark: a 64 MiB random blob served by the real registry (`ferry serve`, fs store, in
// a child process) vs a plain static file server (node:http + fs.createReadStream, also a child) on the same
// bytes, over loopback, measured in the same run. Then 100 concurrent downloads while the server's RSS is
// sampled from /proc/<pid>/status. Prints figures and ratios; goals: throughput ratio >= 0.9, RSS < 200 MB.
// Options: --size-mb N (64), --rounds N (5), --concurrency N (100). Needs `npm run build` first.
import { spawn } from 'node:child_process'
import { createHash, randomFillSync } from 'node:crypto'
import {
  closeSync,
  createReadStream,
  existsSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeSync,
} from 'node:fs'
import http from 'node:http'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { Readable } from 'node:stream'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

const { values } = parseArgs({
  options: {
    'size-mb': { type: 'string', default: '64' },
    rounds: { type: 'string', default: '5' },
    concurrency: { type: 'string', default: '100' },
  },
})
const SIZE = Number(values['size-mb']) * 1024 * 1024
const ROUNDS = Number(values.rounds)
const CONCURRENCY = Number(values.concurrency)
const TOKEN = 'bench-token'
const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const bin = join(root, 'packages/registry-server/bin/ferry.js')
if (!existsSync(join(root, 'packages/registry-server/dist/cli/main.js'))) {
  console.error('registry-download: build first (npm run build)')
  process.exit(1)
}

const STATIC_SERVER = `
const http = require('node:http'), fs = require('node:fs')
const [file, size] = [process.argv[1], Number(process.argv[2])]
const server = http.createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': size })
  fs.createReadStream(file).pipe(res)
})
server.listen(0, '127.0.0.1', () => console.log('Static: http://127.0.0.1:' + server.address().port))
process.on('SIGTERM', () => process.exit(0))
`

/** Spawns a server and resolves its child process and the first group of `pattern` in what it prints on a line matching `pattern`. */
function startServer(args, pattern) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.on('data', (d) => {
      out += d
      const m = pattern.exec(out)
      if (m) resolve({ child, match: m[1] })
    })
    child.stderr.on('data', () => {})
    child.on('exit', (code) => reject(new Error(`server exited (${code}) before it printed its URL: ${out}`)))
  })
}

/** RSS and peak RSS (VmHWM) of a process, in bytes. */
function rss(pid) {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = (key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0) * 1024
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') }
}

/** Downloads a URL, discarding the bytes; resolves the byte count. */
function download(url) {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false }, (res) => {
        if (res.statusCode !== 200) return reject(new Error(`${url}: ${res.statusCode}`))
        let n = 0
        res.on('data', (chunk) => {
          n += chunk.length
        })
        res.on('end', () => resolve(n))
        res.on('error', reject)
      })
      .on('error', reject)
  })
}

async function timedDownload(url) {
  const t0 = process.hrtime.bigint()
  const n = await download(url)
  const s = Number(process.hrtime.bigint() - t0) / 1e9
  if (n !== SIZE) throw new Error(`${url}: got ${n} bytes, want ${SIZE}`)
  return n / s / 1e6
}

/** Runs `CONCURRENCY` downloads at once, sampling the server's RSS every 10 ms; peak = max(sampled, VmHWM delta). */
async function concurrent(url, pid) {
  const before = rss(pid)
  let peak = before.rss
  const timer = setInterval(() => {
    peak = Math.max(peak, rss(pid).rss)
  }, 10)
  const t0 = process.hrtime.bigint()
  const counts = await Promise.all(Array.from({ length: CONCURRENCY }, () => download(url)))
  const s = Number(process.hrtime.bigint() - t0) / 1e9
  clearInterval(timer)
  peak = Math.max(peak, rss(pid).rss)
  if (counts.some((n) => n !== SIZE)) throw new Error('a concurrent download came back short')
  return { before: before.rss, peak, hwm: rss(pid).hwm, mbps: (SIZE * CONCURRENCY) / s / 1e6, seconds: s }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const mb = (bytes) => `${(bytes / 1e6).toFixed(0)} MB`
const pad = (s, n) => String(s).padEnd(n)

const dir = mkdtempSync(join(tmpdir(), 'ferry-bench-'))
const children = []
try {
  // The blob: random bytes, written in 1 MiB pieces.
  const file = join(dir, 'blob.bin')
  const hash = createHash('sha256')
  const fd = openSync(file, 'w')
  const piece = Buffer.alloc(1024 * 1024)
  for (let written = 0; written < SIZE; written += piece.length) {
    randomFillSync(piece)
    hash.update(piece)
    writeSync(fd, piece)
  }
  closeSync(fd)
  const digest = `sha256:${hash.digest('hex')}`

  const registry = await startServer(
    [bin, 'serve', '--port', '0', '--store', join(dir, 'store'), '--token', TOKEN],
    /Registry: http:\/\/localhost:(\d+)\/v1/,
  )
  children.push(registry.child)
  const regBase = `http://127.0.0.1:${registry.match}`
  const up = await fetch(`${regBase}/v1/blobs?digest=${digest}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/octet-stream' },
    body: Readable.toWeb(createReadStream(file)),
    duplex: 'half',
  })
  if (up.status !== 201) throw new Error(`upload failed: ${up.status} ${await up.text()}`)

  const stat = await startServer(['-e', STATIC_SERVER, file, String(SIZE)], /Static: (http:\/\/[\d.:]+)/)
  children.push(stat.child)

  const targets = [
    { name: 'static (node:http + createReadStream)', url: `${stat.match}/blob.bin`, pid: stat.child.pid },
    {
      name: 'ferry registry (GET /v1/blobs/{digest})',
      url: `${regBase}/v1/blobs/${digest}`,
      pid: registry.child.pid,
    },
  ]
  // Warm up both (page cache, JIT), then alternate rounds so drift hits both alike.
  for (const t of targets) await timedDownload(t.url)
  const speeds = targets.map(() => [])
  for (let r = 0; r < ROUNDS; r++)
    for (const [i, t] of targets.entries()) speeds[i].push(await timedDownload(t.url))

  const [base, ferry] = speeds.map(median)
  console.log(
    `\nDownload throughput, one client, ${SIZE / 1024 / 1024} MiB blob over loopback (median of ${ROUNDS})`,
  )
  console.log(`${pad('server', 44)}${pad('MB/s', 10)}ratio`)
  console.log(`${pad(targets[0].name, 44)}${pad(base.toFixed(0), 10)}1.00`)
  const ratio = ferry / base
  console.log(
    `${pad(targets[1].name, 44)}${pad(ferry.toFixed(0), 10)}${ratio.toFixed(2)}   goal >= 0.90: ${ratio >= 0.9 ? 'met' : 'MISSED'}`,
  )

  console.log(`\n${CONCURRENCY} concurrent downloads of the same blob (server RSS from /proc/<pid>/status)`)
  console.log(
    `${pad('server', 44)}${pad('RSS before', 12)}${pad('peak RSS', 10)}${pad('VmHWM', 10)}${pad('MB/s', 8)}`,
  )
  const results = []
  for (const t of targets) {
    const c = await concurrent(t.url, t.pid)
    results.push(c)
    console.log(
      `${pad(t.name, 44)}${pad(mb(c.before), 12)}${pad(mb(c.peak), 10)}${pad(mb(c.hwm), 10)}${pad(c.mbps.toFixed(0), 8)}`,
    )
  }
  const peak = results[1].peak
  console.log(
    `ferry registry peak RSS ${mb(peak)} vs goal < 200 MB: ${peak < 200e6 ? 'met' : 'MISSED'}; ` +
      `ratio to static ${(peak / results[0].peak).toFixed(2)}`,
  )
} finally {
  for (const c of children) c.kill('SIGTERM')
  rmSync(dir, { recursive: true, force: true })
}
