// Ferry Edge on Deno (`deno run … packages/edge/dist/deno.js`, and `deno serve` on dist/deno-serve.js)
// against a real registry: outputs equal onnxruntime-node's over REST JSON and binary (several
// inputs/outputs, an int64 scalar, symbolic dims), on Deno's WebGPU where it has an adapter or WASM; the
// server metadata says gRPC is not served on Deno and why; a restart with the registry down serves the
// models from Deno's Cache API. Runs Deno, not Chromium: covered once, in the wasm project.
import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { freePort } from '../fixtures/daemon.js'
import {
  catalog,
  compareTensors,
  type DenoEdge,
  denoBinary,
  expect,
  fromOipJson,
  inferBinary,
  oipJsonRequest,
  publish,
  referenceRun,
  repoRoot,
  startDenoEdge,
  startRegistry,
  test,
} from '../fixtures/index.js'

test.skip(({ backend }) => backend !== 'wasm', 'runs Deno, not Chromium: covered once in the wasm project')

test('on Deno: REST JSON and binary match onnxruntime-node; no gRPC, said so; restart with the registry down serves from the Cache API', async () => {
  test.setTimeout(240_000)
  const registry = await startRegistry()
  const denoDir = await mkdtemp(path.join(tmpdir(), 'ferry-deno-edge-'))
  const models = [catalog.sileroVad, catalog.ocrDet]
  let edge: DenoEdge | undefined
  try {
    for (const m of models)
      await publish(registry.url, registry.token, m.name, { 'model.onnx': m.file }, { alias: 'stable' })
    const args = [
      '--registry',
      registry.url,
      '--models',
      models.map((m) => m.name).join(','),
      '--poll-seconds',
      '0.2',
    ]
    edge = await startDenoEdge(args, { DENO_DIR: denoDir })
    const meta = await (await fetch(`${edge.url}/v2`)).json()
    expect(meta.grpc).toMatchObject({ served: false, reason: expect.stringMatching(/trailers/) })
    const check = async (url: string) => {
      for (const m of models) {
        const inputs = m.inputs(21)
        const expected = await referenceRun(m.file, inputs)
        const info = await (await fetch(`${url}/v2/models/${m.name}`)).json()
        expect(['webgpu', 'wasm']).toContain(info.backend)
        const tol = info.backend === 'webgpu' ? 2e-3 : 1e-4
        const res = await fetch(`${url}/v2/models/${m.name}/infer`, {
          method: 'POST',
          body: JSON.stringify(oipJsonRequest(inputs)),
        })
        expect(res.status, await res.clone().text()).toBe(200)
        expect(compareTensors(fromOipJson(await res.json()), expected, tol), `${m.name} JSON`).toBeNull()
        const bin = await inferBinary(`${url}/v2/models/${m.name}/infer`, inputs)
        expect(compareTensors(bin.outputs, expected, tol), `${m.name} binary`).toBeNull()
        test.info().annotations.push({
          type: `${m.name} on Deno`,
          description: `${info.backend} ${JSON.stringify(info.fallback ?? null)}`,
        })
      }
    }
    await check(edge.url)
    // Registry gone, server restarted: the Cache API still has every model.
    await registry.close()
    await edge.stop()
    edge = await startDenoEdge(args, { DENO_DIR: denoDir })
    await expect
      .poll(async () => (await fetch(`${edge?.url}/v2/health/ready`)).status, { timeout: 60_000 })
      .toBe(200)
    await check(edge.url)
  } finally {
    await edge?.stop()
    await registry.close().catch(() => {})
    await rm(denoDir, { recursive: true, force: true, maxRetries: 5 })
  }
})

test('deno serve: the module with a default { fetch } export serves the same API', async () => {
  test.setTimeout(120_000)
  const registry = await startRegistry()
  const denoDir = await mkdtemp(path.join(tmpdir(), 'ferry-deno-serve-'))
  const port = await freePort()
  const deno = denoBinary()
  const child = spawn(
    deno,
    [
      'serve',
      '--allow-net',
      '--allow-read',
      '--allow-env',
      '--port',
      String(port),
      path.join(repoRoot, 'packages/edge/dist/deno-serve.js'),
    ],
    {
      cwd: repoRoot,
      env: { ...process.env, NO_COLOR: '1', DENO_DIR: denoDir, FERRY_REGISTRY: registry.url },
      stdio: 'ignore',
    },
  )
  try {
    const m = catalog.ocrCls
    await publish(registry.url, registry.token, m.name, { 'model.onnx': m.file })
    await expect
      .poll(
        () =>
          fetch(`http://127.0.0.1:${port}/v2/health/live`).then(
            (r) => r.status,
            () => 0,
          ),
        { timeout: 60_000 },
      )
      .toBe(200)
    const inputs = m.inputs(3)
    const res = await fetch(`http://127.0.0.1:${port}/v2/models/${m.name}/infer`, {
      method: 'POST',
      body: JSON.stringify(oipJsonRequest(inputs)),
    })
    expect(res.status, await res.clone().text()).toBe(200)
    expect(compareTensors(fromOipJson(await res.json()), await referenceRun(m.file, inputs), 2e-3)).toBeNull()
  } finally {
    const exited = new Promise((r) => child.once('exit', r))
    child.kill('SIGTERM')
    const kill = setTimeout(() => child.kill('SIGKILL'), 3000)
    await exited
    clearTimeout(kill)
    await registry.close()
    await rm(denoDir, { recursive: true, force: true, maxRetries: 5 })
  }
})
