// Registry blob download benchmark: a 64 MiB random blob served by the real registry (`ferry serve`, fs store, in
// a child process) against, on the same bytes and in the same run:
//   static  node:http + fs.createReadStream piped to the socket: the floor (the bare mechanism, no Ferry code)
//   hono    the file as a web stream through Hono + @hono/node-server, no Ferry code (what the framework costs)
// Each round runs CONCURRENCY parallel downloads against each server in turn (so drift hits all alike), timing
// them, the server's CPU time (/proc/<pid>/stat) and its peak RSS (/proc/<pid>/status, sampled every 10 ms).
// Goals (issue 17): Ferry ÷ static >= 1.0 (median over rounds of the per-round ratio), peak RSS < 150 MB.
// Options: --size-mb N (64), --rounds N (5), --concurrency N (100), --compare-limits (also a Ferry with its idle
// timeout and connection cap off, to show they cost nothing). Needs `npm run build` first.
import { execFileSync, spawn } from 'node:child_process'
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
    'compare-limits': { type: 'boolean', default: false },
  },
})
const SIZE = Number(values['size-mb']) * 1024 * 1024
const ROUNDS = Number(values.rounds)
const CONCURRENCY = Number(values.concurrency)
const TOKEN = 'bench-token'
const here = dirname(fileURLToPath(import.meta.url))
const root = join(here, '..')
const bin = join(root, 'packages/registry-server/bin/ferry.js')
if (!existsSync(join(root, 'packages/registry-server/dist/cli/main.js'))) {
  console.error('registry-download: build first (npm run build)')
  process.exit(1)
}
const TICK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' })) || 100

/** Spawns a server and resolves its child process and the first group of `pattern` in what it prints. */
function startServer(args, pattern) {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, FERRY_TOKEN: TOKEN }
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env })
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

/** RSS of a process, in bytes. */
function rss(pid) {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8')
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(text)?.[1] ?? 0) * 1024
}

/** User + system CPU seconds a process has used. */
function cpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
  return (Number(fields[11]) + Number(fields[12])) / TICK
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

/** Runs `CONCURRENCY` downloads at once: MB/s, server CPU seconds per GB sent, peak RSS over the run. */
async function concurrent(url, pid) {
  let peak = rss(pid)
  const timer = setInterval(() => {
    peak = Math.max(peak, rss(pid))
  }, 10)
  const cpu0 = cpuSeconds(pid)
  const t0 = process.hrtime.bigint()
  const counts = await Promise.all(Array.from({ length: CONCURRENCY }, () => download(url)))
  const s = Number(process.hrtime.bigint() - t0) / 1e9
  const cpu = cpuSeconds(pid) - cpu0
  clearInterval(timer)
  peak = Math.max(peak, rss(pid))
  if (counts.some((n) => n !== SIZE)) throw new Error('a concurrent download came back short')
  const bytes = SIZE * CONCURRENCY
  return { mbps: bytes / s / 1e6, cpuPerGB: cpu / (bytes / 1e9), peak }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const range = (xs) => `${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)}`
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

  const startFerry = async (name, extra = []) => {
    const store = join(dir, `store-${children.length}`)
    const args = [bin, 'serve', '--port', '0', '--store', store, ...extra]
    const s = await startServer(args, /Registry: http:\/\/localhost:(\d+)\/v1/)
    children.push(s.child)
    const base = `http://127.0.0.1:${s.match}`
    const up = await fetch(`${base}/v1/blobs?digest=${digest}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/octet-stream' },
      body: Readable.toWeb(createReadStream(file)),
      duplex: 'half',
    })
    if (up.status !== 201) throw new Error(`upload failed: ${up.status} ${await up.text()}`)
    return { name, url: `${base}/v1/blobs/${digest}`, pid: s.child.pid }
  }
  const startOther = async (mode, name) => {
    const s = await startServer([join(here, 'lib/download-server.mjs'), mode, file], /Serving: (\S+)/)
    children.push(s.child)
    return { name, url: `${s.match}/blob.bin`, pid: s.child.pid }
  }

  const targets = [
    await startOther('static', 'static (floor)'),
    await startOther('hono', 'hono web stream'),
    await startFerry('ferry registry'),
  ]
  if (values['compare-limits']) {
    targets.push(
      await startFerry('ferry, timeout and cap off', ['--idle-timeout', '0', '--max-connections', '0']),
    )
  }
  const ferryAt = 2

  // Warm up every server (page cache, JIT), then alternate single downloads so drift hits all alike.
  for (const t of targets) await timedDownload(t.url)
  const single = targets.map(() => [])
  for (let r = 0; r < ROUNDS; r++)
    for (const [i, t] of targets.entries()) single[i].push(await timedDownload(t.url))

  const runs = targets.map(() => [])
  for (let r = 0; r < ROUNDS; r++)
    for (const [i, t] of targets.entries()) runs[i].push(await concurrent(t.url, t.pid))

  const mib = SIZE / 1024 / 1024
  console.log(`\n${CONCURRENCY} parallel downloads of a ${mib} MiB blob over loopback, ${ROUNDS} rounds`)
  console.log(
    `${pad('server', 28)}${pad('MB/s', 7)}${pad('÷ static', 20)}${pad('CPU s/GB', 10)}${pad('÷ static', 11)}peak RSS`,
  )
  for (const [i, t] of targets.entries()) {
    const rs = runs[i]
    const ratios = rs.map((x, r) => x.mbps / runs[0][r].mbps)
    const cpuRatios = rs.map((x, r) => x.cpuPerGB / runs[0][r].cpuPerGB)
    console.log(
      pad(t.name, 28) +
        pad(median(rs.map((x) => x.mbps)).toFixed(0), 7) +
        pad(`${median(ratios).toFixed(2)} (${range(ratios)})`, 20) +
        pad(median(rs.map((x) => x.cpuPerGB)).toFixed(2), 10) +
        pad(median(cpuRatios).toFixed(2), 11) +
        mb(Math.max(...rs.map((x) => x.peak))),
    )
  }
  const ferryRatio = median(runs[ferryAt].map((x, r) => x.mbps / runs[0][r].mbps))
  const ferryPeak = Math.max(...runs[ferryAt].map((x) => x.peak))
  console.log(
    `Ferry ÷ floor (static), median: ${ferryRatio.toFixed(2)}, goal >= 1.0: ${ferryRatio >= 1 ? 'met' : 'MISSED'}; ` +
      `peak RSS ${mb(ferryPeak)}, goal < 150 MB: ${ferryPeak < 150e6 ? 'met' : 'MISSED'}`,
  )

  console.log(`\nOne client at a time, same blob (median of ${ROUNDS})`)
  for (const [i, t] of targets.entries()) {
    const m = median(single[i])
    console.log(`${pad(t.name, 28)}${pad(m.toFixed(0), 7)}${(m / median(single[0])).toFixed(2)}`)
  }
} finally {
  for (const c of children) c.kill('SIGTERM')
  rmSync(dir, { recursive: true, force: true })
}
