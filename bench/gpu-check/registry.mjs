// Runs under Deno on the device: the REAL Ferry registry app (createRegistryApp + the fs store, as the Node
// adapter builds it) served with Deno.serve, then seeded over HTTP with the CLI's own RegistryClient and
// ONNX signature reader (as e2e/fixtures/registry.ts publish() does). Bundled with esbuild by build.sh.
// Args: <storeDir> <modelsDir> <workDir>. Writes <workDir>/registry.url once seeded, plus mlp.onnx, mlp_x.bin.
import { createHash } from 'node:crypto'
import { createFsStore } from '../../packages/registry-server/dist/adapter/node/fs-store.js'
import { nodeSha256 } from '../../packages/registry-server/dist/adapter/node/hash.js'
import { createRegistryApp } from '../../packages/registry-server/dist/app.js'
import { RegistryClient, readOnnxSignature } from '../../packages/registry-server/dist/client.js'
import { mlpOnnx } from '../lib/mlp-onnx.mjs'

const [storeDir, modelsDir, workDir] = Deno.args
const t0 = performance.now()
const log = (m) => console.error(`[${new Date().toISOString().slice(11, 23)}] registry: ${m}`)
const TOKEN = 'gpucheck-token'
const app = createRegistryApp({ createHash: nodeSha256, store: createFsStore(storeDir), tokens: [TOKEN] })
const url = await new Promise((resolve) => {
  Deno.serve(
    { hostname: '127.0.0.1', port: 0, onListen: ({ port }) => resolve(`http://127.0.0.1:${port}`) },
    app.fetch,
  )
})
log(`listening on ${url}`)

const N = Number(Deno.env.get('GPUCHECK_MLP_N') ?? 4096)
const BATCH = Number(Deno.env.get('GPUCHECK_MLP_BATCH') ?? 8)
// Two layers of bench/lib/mlp-onnx.mjs: y = relu(relu(x·W+b)·W1+b1).
const mlp = mlpOnnx(N, N, 7, 2)
Deno.writeFileSync(`${workDir}/mlp.onnx`, mlp)
const x = new Float32Array(BATCH * N)
{
  let s = 12345
  for (let i = 0; i < x.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    x[i] = (s / 2 ** 32) * 2 - 1
  }
}
Deno.writeFileSync(`${workDir}/mlp_x.bin`, new Uint8Array(x.buffer))
Deno.writeTextFileSync(`${workDir}/mlp.json`, JSON.stringify({ n: N, batch: BATCH, bytes: mlp.length }))
log(
  `generated mlp ${N}x${N} x2 (${(mlp.length / 2 ** 20).toFixed(1)} MiB) in ${(performance.now() - t0).toFixed(0)} ms`,
)

// --- publish, as e2e/fixtures/registry.ts publish() does
const client = new RegistryClient({ registry: url, token: TOKEN })
async function publish(name, bytes) {
  const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`
  await client.uploadBlob(bytes, digest)
  const { inputs, outputs } = readOnnxSignature(bytes, 'model.onnx')
  const { version } = await client.publish(name, {
    schemaVersion: 1,
    name,
    format: 'onnx',
    files: [{ path: 'model.onnx', role: 'model', digest, size: bytes.length }],
    inputs,
    outputs,
    runtime: { backends: ['webgpu', 'wasm'] },
    metadata: {},
  })
  log(
    `published ${name}@${version} (${bytes.length} B) ${JSON.stringify(inputs.map((i) => [i.name, i.shape]))}`,
  )
}
await publish('silero-vad', Deno.readFileSync(`${modelsDir}/silero_vad_legacy.onnx`))
await publish('ocr-cls', Deno.readFileSync(`${modelsDir}/ch_ppocr_mobile_v2.0_cls_infer.onnx`))
await publish('ocr-det', Deno.readFileSync(`${modelsDir}/ch_PP-OCRv4_det_infer.onnx`))
await publish('mlp', mlp)
const models = await (await fetch(`${url}/v1/models`)).json()
log(
  `seeded: ${models.models.map((m) => `${m.name}@${m.latestVersion}`).join(' ')} in ${(performance.now() - t0).toFixed(0)} ms`,
)
Deno.writeTextFileSync(`${workDir}/registry.url`, url)
