// HTTP pieces for bench/registry-s3.mjs: the bare Node proxy (the floor), starting a server process and
// waiting for its URL, and a client that GETs or sends bytes with node:http (no agent: a fresh connection
// per request, as each path gets).
import { spawn } from 'node:child_process'
import http from 'node:http'

/** Starts `node …args` with `env`; resolves `{ child, url }` once its stdout matches `pattern` (group 1). */
export function startServer(args, pattern, env) {
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

/** GETs a URL (following one redirect when asked), discarding the bytes; resolves the byte count, `size`. */
export function download(url, size, follow = false) {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false }, (res) => {
        if (follow && res.statusCode === 302) {
          res.resume()
          return download(res.headers.location, size).then(resolve, reject)
        }
        if (res.statusCode !== 200) return reject(new Error(`GET ${url}: ${res.statusCode}`))
        let n = 0
        res.on('data', (c) => (n += c.length))
        res.on('end', () => (n === size ? resolve(n) : reject(new Error(`GET ${url}: ${n} bytes`))))
        res.on('error', reject)
      })
      .on('error', reject)
  })
}

/** Sends `body` with `method` to `url` (streamed from memory in 1 MiB writes); resolves the answer's text. */
export function send(url, method, body, headers = {}) {
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

// GET: the bucket's answer piped to the client (GET /redirect: a 302 to the bucket). PUT: the upload piped into one PUT to the URL and headers in
// the x-put header; with x-hash, hashed on the way (what a registry that checks digests must also do).
export const PROXY = `
const http = require('node:http')
const { createHash } = require('node:crypto')
const getUrl = process.argv[1]
const server = http.createServer((req, res) => {
  if (req.url === '/redirect') {
    res.writeHead(302, { location: getUrl })
    return res.end()
  }
  if (req.method === 'GET') {
    http.get(getUrl, { agent: false }, (up) => { res.writeHead(up.statusCode, up.headers); up.pipe(res) })
    return
  }
  const put = JSON.parse(req.headers['x-put'])
  const hash = req.headers['x-hash'] ? createHash('sha256') : null
  if (hash) req.on('data', (c) => hash.update(c))
  const headers = { ...put.headers, 'content-length': req.headers['content-length'] }
  const out = http.request(put.url, { method: 'PUT', agent: false, headers }, (up) => {
    up.resume()
    up.on('end', () => {
      const ok = !hash || hash.digest('hex') === req.headers['x-hash']
      res.writeHead(ok ? up.statusCode : 422)
      res.end()
    })
  })
  req.pipe(out)
})
server.listen(0, '127.0.0.1', () => console.log('Proxy: http://127.0.0.1:' + server.address().port))
process.on('SIGTERM', () => process.exit(0))
`
