// `npm start`: installs what is missing, builds every package, seeds a local registry with real pretrained
// models, serves the registry API and the playground on one port (PORT, default 8080), and Ferry Edge (the
// Open Inference Protocol server) beside it (EDGE_PORT, default 8000; gRPC on EDGE_GRPC_PORT, default 8001),
// whose port the playground reads from its edge.json.
// Ctrl-C or a signal (SIGINT, SIGTERM, SIGHUP) stops everything it started, builds included.
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { ensureDeps, killChildren, root, run } from './lib.mjs'

const portOf = (name, fallback) => {
  const v = Number(process.env[name] ?? fallback)
  if (!Number.isInteger(v) || v < 0 || v > 65535) {
    console.error(`${name}=${process.env[name]} is not a port number (0-65535)`)
    process.exit(2)
  }
  return v
}
const port = portOf('PORT', 8080)
const edgePort = portOf('EDGE_PORT', 8000)
const edgeGrpcPort = portOf('EDGE_GRPC_PORT', 8001)
const host = process.env.HOST ?? '127.0.0.1'

// Stopping: from the first signal on, whatever is running (a build, the servers) is stopped, then we exit.
const running = []
let stopping = false
const stop = async (signal) => {
  if (stopping) return
  stopping = true
  killChildren(signal)
  await Promise.allSettled(running.map((s) => s.close()))
  rmSync(edgeJson, { force: true })
  process.exit(0)
}
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => void stop(signal))
// `npm start` runs this under `sh -c`: a signal sent to npm alone stops npm and sh but never reaches this
// process. Its parent going away (this process re-parented) stops it too.
const parent = process.ppid
setInterval(() => {
  if (process.ppid !== parent) void stop('SIGTERM')
}, 500).unref()
const stateDir = join(root, '.ferry')
const playground = join(root, 'packages/demo/dist')
// Where the playground finds the edge (its port, on the page's own host); removed when this stops.
const edgeJson = join(playground, 'edge.json')
const storeDir = process.env.FERRY_STORE ?? join(stateDir, 'store')

await ensureDeps()
if (process.env.FERRY_SKIP_BUILD !== '1') {
  console.log('Building (npm run build)…')
  const code = await run('npm', ['run', 'build', '--silent'])
  if (stopping) await new Promise(() => {}) // a signal came during the build: stop() exits
  if (code !== 0) {
    console.error('The build failed; see the output above.')
    process.exit(code)
  }
}

const mod = (p) => import(pathToFileURL(join(root, 'packages/registry-server/dist', p)).href)
const { seedStore } = await mod('seed/store.js')
const { serve } = await mod('adapter/node/index.js')
const { serveEdge } = await import(pathToFileURL(join(root, 'packages/edge/dist/adapter/node.js')).href)

mkdirSync(stateDir, { recursive: true })
const tokenFile = join(stateDir, 'token')
let token = process.env.FERRY_TOKEN
if (!token) {
  if (!existsSync(tokenFile))
    writeFileSync(tokenFile, `${randomBytes(18).toString('base64url')}\n`, { mode: 0o600 })
  token = readFileSync(tokenFile, 'utf8').trim()
}

console.log(`Seeding ${storeDir}…`)
await seedStore(storeDir, { log: (line) => console.log(`  ${line}`) })

let registry
try {
  registry = await serve({
    port,
    hostname: host,
    storeDir,
    tokens: token.split(',').map((t) => t.trim()),
    ...(existsSync(join(playground, 'index.html')) ? { staticRoot: playground } : {}),
  })
} catch (err) {
  if (err?.code === 'EADDRINUSE') console.error(`Port ${port} is in use: set PORT to another port.`)
  else console.error(err)
  process.exit(1)
}
running.push(registry)
const local = ['127.0.0.1', '0.0.0.0', '::', '::1', 'localhost'].includes(host)
const shown = local ? `http://localhost:${registry.port}` : registry.url

// Ferry Edge beside the registry: models load on their first request, bytes cached in .ferry/edge-cache.
let edge
try {
  edge = await serveEdge({
    registry: `http://127.0.0.1:${registry.port}`,
    port: edgePort,
    grpcPort: edgeGrpcPort,
    host,
    cacheDir: join(stateDir, 'edge-cache'),
    log: (line) => console.log(`  edge: ${line}`),
  })
} catch (err) {
  if (err?.code === 'EADDRINUSE' || /EADDRINUSE|address already in use/.test(String(err?.message)))
    console.error(
      `Port ${edgePort} or ${edgeGrpcPort} is in use: set EDGE_PORT / EDGE_GRPC_PORT to other ports.`,
    )
  else console.error(err)
  await registry.close()
  process.exit(1)
}
running.push(edge)
if (existsSync(join(playground, 'index.html')))
  writeFileSync(edgeJson, `${JSON.stringify({ port: edge.port })}\n`)
const edgeShown = local ? `http://localhost:${edge.port}` : edge.url

console.log('')
console.log(`Registry: ${shown}/v1/models`)
if (existsSync(join(playground, 'index.html'))) console.log(`Playground: ${shown}/`)
console.log(`API docs: ${shown}/v1/docs`)
console.log(
  `Edge (Open Inference Protocol): ${edgeShown}/v2   (gRPC: ${local ? 'localhost' : host}:${edge.grpcPort})`,
)
console.log(`  try: curl ${edgeShown}/v2/models/digits`)
console.log(`Write token: ${token}   (export FERRY_TOKEN=${token} FERRY_REGISTRY=${shown})`)
console.log('Press Ctrl+C to stop.')
