// Device or edge (issue 18), in real Chromium over loopback, WASM on the device, Ferry Edge on Node:
//  - time to first result for a cold 64 MiB model (a 4096×4096 MLP, nothing cached: a fresh browser context
//    per trial): `createRuntime({ registry, edge })` (warm start: the edge answers while the device downloads
//    and compiles) ÷ `createRuntime({ registry })` (device only) — goal ≤ 0.2;
//  - steady-state warm `model.run` p50 on the device: the hybrid runtime's model once it moved to the device
//    ÷ the device-only runtime's, calls interleaved in one page — goal ≈ 1 (within noise).
// Floors (no Ferry code): one bare OIP request from the page to the (warm) edge, and a bare fetch +
// InferenceSession.create + run in the page; their ratio is the best any hybrid can do here.
// The edge runs on onnxruntime-node (cpu) with the model loaded before the trials, as a server would.
// Needs `npm run build` (packages/runtime's browser build, packages/edge's dist) and /usr/bin/chromium.
// Run: node bench/placement.mjs [--quick]   (FERRY_BENCH_REPS trials per side, default 5)

import { spawn } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import http from 'node:http'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { launchChromium } from './lib/common.mjs'
import { registryWith } from './lib/edge.mjs'
import { mlpOnnx, mlpSignature } from './lib/mlp-onnx.mjs'

const here = path.dirname(fileURLToPath(import.meta.url))
const dist = path.join(here, '../packages/runtime/dist/browser')
const quick = process.argv.includes('--quick')
const N = quick ? 2048 : 4096 // 4096×4096 float32 weights: 64 MiB
const REPS = Number(process.env.FERRY_BENCH_REPS ?? (quick ? 2 : 5))
const RUNS = quick ? 15 : 60

await readFile(path.join(dist, 'ferry-edge.mjs')).catch(() => {
  console.error('packages/runtime/dist/browser is missing: run `npm run build` first')
  process.exit(2)
})

const model = mlpOnnx(N, N, 3)
// WASM on the device (no WebGPU adapter in headless Chromium), onnxruntime-node's cpu on the edge.
const registry = await registryWith({
  mlp: { bytes: model, signature: mlpSignature(N, N), runtime: { backends: ['wasm', 'cpu'] } },
})
// The edge in a process of its own, as a server is: sharing this process's event loop with the registry
// streaming 64 MiB to the page would delay its answers by the length of that download.
const cacheDir = await mkdtemp(path.join(tmpdir(), 'ferry-bench-edge-'))
const edge = await startEdge([
  '--registry',
  registry.url,
  '--port',
  '0',
  '--grpc-port',
  'off',
  '--poll-seconds',
  '0',
  '--models',
  'mlp:1',
  '--cache-dir',
  cacheDir,
])
const edgeBackend = (await (await fetch(`${edge.url}/v2/models/mlp/versions/1`)).json()).backend

/** `ferry-edge` with `args`; resolves once it serves and its `--models` are loaded. */
async function startEdge(args) {
  const child = spawn(process.execPath, [path.join(here, '../packages/edge/bin/ferry-edge.js'), ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const url = await new Promise((resolve, reject) => {
    let out = ''
    child.stdout.on('data', (d) => {
      out += d
      const line = out.split('\n').find((l) => l.startsWith('{'))
      if (line) resolve(JSON.parse(line).url)
    })
    child.once('exit', (code) => reject(new Error(`ferry-edge exited with ${code}`)))
  })
  while ((await fetch(`${url}/v2/health/ready`)).status !== 200) await new Promise((r) => setTimeout(r, 100))
  return {
    url,
    close: () =>
      new Promise((r) => {
        child.once('exit', r)
        child.kill('SIGTERM')
      }),
  }
}

// The page's origin: an empty page and the runtime's browser build.
const MIME = { '.mjs': 'text/javascript', '.js': 'text/javascript', '.wasm': 'application/wasm' }
const site = http.createServer(async (req, res) => {
  const url = new URL(req.url, 'http://x')
  if (url.pathname === '/') {
    res.writeHead(200, { 'content-type': 'text/html' })
    return res.end('<!doctype html><title>placement bench</title>')
  }
  const file = url.pathname.startsWith('/runtime/') ? path.join(dist, url.pathname.slice(9)) : null
  if (!file || file.includes('..')) return res.writeHead(404).end()
  try {
    const body = await readFile(file)
    res.writeHead(200, { 'content-type': MIME[path.extname(file)] ?? 'application/octet-stream' })
    res.end(body)
  } catch {
    res.writeHead(404).end()
  }
})
await new Promise((r) => site.listen(0, '127.0.0.1', r))
const origin = `http://localhost:${site.address().port}`
const blobUrl = `${registry.url}/v1/blobs/${JSON.parse(await (await fetch(`${registry.url}/v1/models/mlp/versions/1`)).text()).files[0].digest}`

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const p50 = median

const browser = await launchChromium()
/** A fresh context (nothing cached: IndexedDB and HTTP cache empty), with ferry.js loaded. */
async function freshPage() {
  const context = await browser.newContext()
  const page = await context.newPage()
  page.on('pageerror', (e) => console.error('page error:', e.message))
  await page.goto(`${origin}/`)
  await page.addScriptTag({ url: '/runtime/ferry.js' })
  return { page, close: () => context.close() }
}

/**
 * First result of a cold load: ms from createRuntime to the first outputs. `mode`: 'device' (no edge),
 * 'hybrid' (edge given, `auto`: warm start; also when it moved to the device), 'edge' (`placement: 'edge'`:
 * no device work alongside, so Ferry's own cost on the edge path without the device competing for the CPU).
 */
async function firstResult(mode) {
  const { page, close } = await freshPage()
  try {
    return await page.evaluate(
      async ({ registry, edge, mode, n }) => {
        const t0 = performance.now()
        const ferry = window.Ferry.createRuntime({
          registry,
          ...(mode === 'device' ? {} : { edge }),
          telemetry: false,
        })
        const m = await ferry.load('mlp', mode === 'edge' ? { placement: 'edge' } : {})
        const first = await m.infer({ x: { data: new Float32Array(n).fill(0.5), dims: [1, n] } })
        const ms = performance.now() - t0
        let movedMs = null
        if (mode === 'hybrid') {
          while (m.placement !== 'device') await new Promise((r) => setTimeout(r, 20))
          movedMs = performance.now() - t0
        }
        await ferry.close()
        return { ms, placement: first.info.placement, movedMs }
      },
      { registry: registry.url, edge: edge.url, mode, n: N },
    )
  } finally {
    await close()
  }
}

/** The floors, no Ferry: a bare OIP request to the warm edge, and fetch + create + run in the page. */
async function floors() {
  const { page, close } = await freshPage()
  try {
    return await page.evaluate(
      async ({ edge, blob, n, ortBase }) => {
        const x = new Float32Array(n).fill(0.5)
        const header = new TextEncoder().encode(
          JSON.stringify({
            inputs: [
              { name: 'x', datatype: 'FP32', shape: [1, n], parameters: { binary_data_size: x.byteLength } },
            ],
            parameters: { binary_data_output: true },
          }),
        )
        const body = new Uint8Array(header.byteLength + x.byteLength)
        body.set(header)
        body.set(new Uint8Array(x.buffer), header.byteLength)
        let t0 = performance.now()
        const res = await fetch(`${edge}/v2/models/mlp/versions/1/infer`, {
          method: 'POST',
          headers: {
            'content-type': 'application/octet-stream',
            'inference-header-content-length': String(header.byteLength),
          },
          body,
        })
        await res.arrayBuffer()
        const edgeMs = performance.now() - t0
        t0 = performance.now()
        const ort = await import(`${ortBase}ort.wasm.min.mjs`)
        ort.env.wasm.wasmPaths = ortBase
        ort.env.wasm.numThreads = 1
        const bytes = new Uint8Array(await (await fetch(blob)).arrayBuffer())
        const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] })
        await session.run({ x: new ort.Tensor('float32', x, [1, n]) })
        return { edgeMs, deviceMs: performance.now() - t0 }
      },
      { edge: edge.url, blob: blobUrl, n: N, ortBase: `${origin}/runtime/` },
    )
  } finally {
    await close()
  }
}

/** Warm model.run p50 on the device: the device-only runtime's model and the hybrid's (moved), interleaved. */
async function steady() {
  const { page, close } = await freshPage()
  try {
    return await page.evaluate(
      async ({ registry, edge, n, runs }) => {
        const only = window.Ferry.createRuntime({ registry, telemetry: false })
        const hybrid = window.Ferry.createRuntime({ registry, edge, telemetry: false })
        const a = await only.load('mlp')
        const b = await hybrid.load('mlp')
        while (b.placement !== 'device') await new Promise((r) => setTimeout(r, 20))
        const x = { x: { data: new Float32Array(n).fill(0.5), dims: [1, n] } }
        for (let i = 0; i < 5; i++) await Promise.all([a.run(x), b.run(x)].map((p) => p.catch(() => {})))
        const ta = []
        const tb = []
        for (let i = 0; i < runs; i++) {
          for (const [m, t] of i % 2
            ? [
                [a, ta],
                [b, tb],
              ]
            : [
                [b, tb],
                [a, ta],
              ]) {
            const t0 = performance.now()
            await m.run(x)
            t.push(performance.now() - t0)
          }
        }
        await Promise.all([only.close(), hybrid.close()])
        return { only: ta, hybrid: tb }
      },
      { registry: registry.url, edge: edge.url, n: N, runs: RUNS },
    )
  } finally {
    await close()
  }
}

try {
  const device = []
  const hybrid = []
  const edgeOnly = []
  for (let i = 0; i < REPS; i++) {
    device.push(await firstResult('device'))
    hybrid.push(await firstResult('hybrid'))
    edgeOnly.push(await firstResult('edge'))
  }
  const floor = []
  for (let i = 0; i < REPS; i++) floor.push(await floors())
  const s = await steady()

  const mb = (model.byteLength / 2 ** 20).toFixed(0)
  const ms = (v) => `${v.toFixed(0)} ms`
  const d = median(device.map((r) => r.ms))
  const h = median(hybrid.map((r) => r.ms))
  const fe = median(floor.map((r) => r.edgeMs))
  const fd = median(floor.map((r) => r.deviceMs))
  console.log(
    `\nPlacement — Chromium, WASM 1 thread on the device; Ferry Edge on Node (${edgeBackend}); loopback; ${N}×${N} MLP (${mb} MiB); medians of ${REPS} cold trials`,
  )
  console.log(
    `time to first result, device only:        ${ms(d)}   (trials: ${device.map((r) => ms(r.ms)).join(', ')})`,
  )
  console.log(
    `time to first result, with edge (warm start): ${ms(h)}   (trials: ${hybrid.map((r) => `${ms(r.ms)} on ${r.placement}`).join(', ')})`,
  )
  console.log(`  … then on the device after:              ${ms(median(hybrid.map((r) => r.movedMs)))}`)
  console.log(`hybrid ÷ device only: ${(h / d).toFixed(3)}   (goal ≤ 0.2)`)
  const e = median(edgeOnly.map((r) => r.ms))
  console.log(
    `placement 'edge' (no device work alongside): ${ms(e)} (trials: ${edgeOnly.map((r) => ms(r.ms)).join(', ')}); ÷ device only ${(e / d).toFixed(3)}`,
  )
  console.log(
    `floor (no Ferry): one bare OIP request to the warm edge ${ms(fe)} ÷ fetch + create + run in the page ${ms(fd)} = ${(fe / fd).toFixed(3)}`,
  )
  console.log(
    `hybrid ÷ its floor (bare edge request): ${(h / fe).toFixed(2)}; device only ÷ its floor: ${(d / fd).toFixed(2)}`,
  )
  const [po, ph] = [p50(s.only), p50(s.hybrid)]
  console.log(
    `steady-state warm model.run p50 on the device (${RUNS} interleaved runs each): device-only runtime ${po.toFixed(2)} ms, hybrid runtime (moved) ${ph.toFixed(2)} ms: ratio ${(ph / po).toFixed(3)} (goal ≈ 1, within noise)`,
  )
} finally {
  await browser.close()
  site.close()
  await edge.close()
  await registry.close()
  await rm(cacheDir, { recursive: true, force: true })
}
