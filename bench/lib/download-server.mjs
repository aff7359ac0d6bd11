// The servers `registry-download.mjs` compares Ferry against, each in its own process:
//   static  node:http + fs.createReadStream piped to the response: the bare mechanism, no Ferry code (the floor)
//   hono    the same file as a web ReadableStream through Hono and @hono/node-server, no Ferry code: what the
//           framework's stream path costs on its own
// Usage: node download-server.mjs static|hono FILE; prints `Serving: http://127.0.0.1:PORT` once it listens.
import { createReadStream, statSync } from 'node:fs'
import http from 'node:http'
import { Readable } from 'node:stream'

const [mode, file] = process.argv.slice(2)
const size = statSync(file).size
const listening = (port) => console.log(`Serving: http://127.0.0.1:${port}`)
process.on('SIGTERM', () => process.exit(0))

if (mode === 'static') {
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': size })
    createReadStream(file).pipe(res)
  })
  server.listen(0, '127.0.0.1', () => listening(server.address().port))
} else if (mode === 'hono') {
  const { Hono } = await import('hono')
  const { serve } = await import('@hono/node-server')
  const app = new Hono().get('*', (c) =>
    c.body(Readable.toWeb(createReadStream(file)), 200, {
      'content-type': 'application/octet-stream',
      'content-length': String(size),
    }),
  )
  serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => listening(info.port))
} else {
  console.error(`download-server: unknown mode ${mode}; use static or hono`)
  process.exit(2)
}
