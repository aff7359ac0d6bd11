// `npm start`: installs what is missing, builds every package, seeds a local registry with real pretrained
// models, and serves the registry API and the playground on one port (PORT, default 8080).
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { ensureDeps, root, run } from './lib.mjs'

const port = Number(process.env.PORT ?? 8080)
const host = process.env.HOST ?? '127.0.0.1'
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`PORT=${process.env.PORT} is not a port number (0-65535)`)
  process.exit(2)
}
const stateDir = join(root, '.ferry')
const storeDir = process.env.FERRY_STORE ?? join(stateDir, 'store')

await ensureDeps()
if (process.env.FERRY_SKIP_BUILD !== '1') {
  console.log('Building (npm run build)…')
  const code = await run('npm', ['run', 'build', '--silent'])
  if (code !== 0) {
    console.error('The build failed; see the output above.')
    process.exit(code)
  }
}

const mod = (p) => import(pathToFileURL(join(root, 'packages/registry-server/dist', p)).href)
const { seedStore } = await mod('seed/store.js')
const { serve } = await mod('adapter/node/index.js')

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

const playground = join(root, 'packages/demo/dist')
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
const shown = ['127.0.0.1', '0.0.0.0', '::', '::1', 'localhost'].includes(host)
  ? `http://localhost:${registry.port}`
  : registry.url
console.log('')
console.log(`Registry: ${shown}/v1`)
if (existsSync(join(playground, 'index.html'))) console.log(`Playground: ${shown}/`)
console.log(`API docs: ${shown}/v1/docs`)
console.log(`Write token: ${token}   (export FERRY_TOKEN=${token} FERRY_REGISTRY=${shown})`)
console.log('Press Ctrl+C to stop.')

const stop = async () => {
  await registry.close()
  process.exit(0)
}
process.on('SIGINT', stop)
process.on('SIGTERM', stop)
