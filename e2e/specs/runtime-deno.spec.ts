// "The same runtime runs on Deno": a Deno program imports @ferry/runtime from node_modules and, in-thread,
// loads a model published to the real registry, runs it on Deno's WebGPU (where Deno finds an adapter:
// Mesa's llvmpipe here) or WASM, and matches onnxruntime-node; its bytes land in Deno's Cache API, so a
// second Deno process with the registry gone loads and runs it offline. No browser: runs in `wasm` only.
import { execFile } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import {
  catalog,
  compareTensors,
  denoBinary,
  expect,
  referenceRun,
  repoRoot,
  test,
  type WireTensors,
} from '../fixtures/index.js'

test.skip(({ backend }) => backend !== 'wasm', 'runs Deno, not Chromium: covered once in the wasm project')

const deno = denoBinary()
const script = path.join(repoRoot, 'e2e', 'deno', 'ferry-on-deno.mjs')

interface LoadResult {
  ok: boolean
  version?: number
  backend?: string
  fallback?: { from: string; reason: string } | null
  source?: string | null
  outputs?: WireTensors
  error?: { code: string | null; message: string }
}

/** Runs the Deno program on `job` with its own DENO_DIR (where Deno keeps the Cache API's data). */
async function onDeno(denoDir: string, job: Record<string, unknown>) {
  const { stdout } = await promisify(execFile)(
    deno,
    ['run', '--allow-all', '--node-modules-dir=manual', script, JSON.stringify(job)],
    { cwd: repoRoot, env: { ...process.env, DENO_DIR: denoDir, NO_COLOR: '1' }, timeout: 60_000 },
  )
  return JSON.parse(stdout.trim().split('\n').at(-1) as string) as {
    env: string
    cached: string[]
    results: LoadResult[]
  }
}

/** A port nothing listens on. */
async function deadPort() {
  const s = createServer()
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r))
  const { port } = s.address() as { port: number }
  await new Promise((r) => s.close(r))
  return port
}

test('on Deno: loads from the registry, matches onnxruntime-node on WebGPU or WASM, and works offline from the Cache API', async ({
  registry,
  published,
}) => {
  test.setTimeout(180_000)
  const vad = catalog.sileroVad
  const inputs = vad.inputs(7)
  const expected = await referenceRun(vad.file, inputs)
  const denoDir = await mkdtemp(path.join(tmpdir(), 'ferry-deno-'))
  try {
    // Online, default backend order (WebGPU first).
    const online = await onDeno(denoDir, { registry: registry.url, loads: [{ name: vad.name, inputs }] })
    expect(online.env).toBe('deno')
    const [a] = online.results
    expect(a?.ok, JSON.stringify(a?.error)).toBe(true)
    expect(a?.version).toBe(published.sileroVad.version)
    expect(a?.source).toBe('network')
    expect(['webgpu', 'wasm']).toContain(a?.backend)
    test.info().annotations.push({
      type: 'backend on Deno',
      description: `${a?.backend} ${JSON.stringify(a?.fallback)}`,
    })
    // WASM only when Deno had no usable GPU (Mesa's llvmpipe is a software adapter), and then with the reason.
    if (a?.backend === 'wasm')
      expect(a.fallback?.reason).toMatch(/^(software-adapter|no-adapter|device-failed|session-failed)/)
    else expect(a?.fallback).toBeNull()
    expect(compareTensors(a?.outputs ?? {}, expected, a?.backend === 'webgpu' ? 2e-3 : 1e-4)).toBeNull()
    expect(online.cached).toContain(`${vad.name}@${published.sileroVad.version}`)

    // WebGPU asked for by name: a software adapter is used then (llvmpipe in CI), bytes from the cache.
    const gpu = await onDeno(denoDir, {
      registry: registry.url,
      backends: ['webgpu', 'wasm'],
      loads: [{ name: vad.name, inputs }],
    })
    const [g] = gpu.results
    expect(g?.ok, JSON.stringify(g?.error)).toBe(true)
    test.info().annotations.push({
      type: 'WebGPU asked for on Deno',
      description: `${g?.backend} ${JSON.stringify(g?.fallback)}`,
    })
    if (g?.backend === 'wasm')
      expect(g.fallback?.reason).toMatch(/^(no-adapter|device-failed|session-failed)/)
    expect(g?.source).toBe('cache')
    expect(compareTensors(g?.outputs ?? {}, expected, g?.backend === 'webgpu' ? 2e-3 : 1e-4)).toBeNull()

    // WASM asked for: same outputs, bytes from the cache this time.
    const wasm = await onDeno(denoDir, {
      registry: registry.url,
      backends: ['wasm'],
      loads: [{ name: vad.name, inputs }],
    })
    const [b] = wasm.results
    expect(b?.ok, JSON.stringify(b?.error)).toBe(true)
    expect(b?.backend).toBe('wasm')
    expect(b?.source).toBe('cache')
    expect(compareTensors(b?.outputs ?? {}, expected, 1e-4)).toBeNull()

    // The registry gone: `latest` as last resolved on this device and its cached bytes still serve; an
    // alias this device never resolved is NOT_CACHED_OFFLINE; a model it never saw fails with the
    // registry's coded error. None of them hangs.
    const offline = await onDeno(denoDir, {
      registry: `http://127.0.0.1:${await deadPort()}`,
      backends: ['wasm'],
      loads: [
        { name: vad.name, inputs },
        { name: vad.name, version: 'stable' },
        { name: catalog.ocrDet.name },
      ],
    })
    const [c, d, e] = offline.results
    expect(c?.ok, JSON.stringify(c?.error)).toBe(true)
    expect(c?.source).toBe('cache')
    expect(compareTensors(c?.outputs ?? {}, expected, 1e-4)).toBeNull()
    expect(d?.error?.code).toBe('NOT_CACHED_OFFLINE')
    expect(e?.error?.code).toBe('REGISTRY_UNREACHABLE')
  } finally {
    await rm(denoDir, { recursive: true, force: true })
  }
})
