// Issue 3: every failure reaches the caller as a coded error across the worker boundary: tampered bytes,
// bad inputs (and the model still works after), unknown models and versions, a registry that is down,
// aborted loads and runs, and a full queue. Backend-independent, so it runs in the `wasm` project only.
import { writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import {
  catalog,
  compareTensors,
  expect,
  int64,
  publish,
  randomFloat32,
  referenceRun,
  test,
} from '../fixtures/index.js'

test.skip(({ backend }) => backend !== 'wasm', 'backend-independent; covered once in the wasm project')

const vad = catalog.sileroVad

/**
 * Loads a model (ocr-cls unless `model` says otherwise) through a registry proxy that flips bytes of its
 * model blob in transit.
 */
async function loadTampered(
  {
    openRuntimePage,
    registryProxy,
    published,
  }: Pick<Parameters<Parameters<typeof test>[2]>[0], 'openRuntimePage' | 'registryProxy' | 'published'>,
  model: 'ocrCls' | 'sileroVad' = 'ocrCls',
) {
  const digest = published[model].manifest.files[0]!.digest
  const evil = await registryProxy({ tamper: (p) => p === `/v1/blobs/${digest}` })
  const rp = await openRuntimePage({ registry: evil.url })
  await rp.createRuntime()
  return { digest, evil, rp, bad: await rp.load(catalog[model].name) }
}

test('bytes flipped in transit are rejected with INTEGRITY_MISMATCH and never run', async ({
  openRuntimePage,
  registryProxy,
  published,
}) => {
  const { digest, bad } = await loadTampered({ openRuntimePage, registryProxy, published })
  expect(bad.ok).toBe(false)
  expect(!bad.ok && bad.error.code).toBe('INTEGRITY_MISMATCH')
  expect(!bad.ok && bad.error.message).toContain(digest)
  expect(bad.progress.map((p) => p.phase)).not.toContain('compiling')
})

test('a large download checked on a helper worker while its session is created: tampered, it fails with INTEGRITY_MISMATCH and is never kept', async ({
  openRuntimePage,
  registryProxy,
  published,
}) => {
  // silero-vad's 1.8 MB pass OFF_THREAD_MIN_BYTES: its session is created while a helper hashes it.
  const { digest, evil, rp, bad } = await loadTampered(
    { openRuntimePage, registryProxy, published },
    'sileroVad',
  )
  expect(!bad.ok && bad.error.code).toBe('INTEGRITY_MISMATCH')
  expect(!bad.ok && bad.error.message).toContain(digest)
  const listed = () =>
    rp.page.evaluate(async () => {
      const rt = window.harness.runtimes.get('rt') as { cache: { list(): Promise<{ name: string }[]> } }
      return (await rt.cache.list()).map((e) => e.name)
    })
  expect(await listed()).toEqual([])
  evil.set({})
  const good = await rp.load(catalog.sileroVad.name)
  expect(good.ok, JSON.stringify(!good.ok && good.error)).toBe(true)
  const out = await rp.mustRun(catalog.sileroVad.name, catalog.sileroVad.inputs(3))
  expect(Object.keys(out)).toEqual(published.sileroVad.manifest.outputs.map((o) => o.name))
  expect(await listed()).toEqual([catalog.sileroVad.name])
})

test('after a tampered download, the next load fetches fresh bytes (not the HTTP-cached bad ones)', async ({
  openRuntimePage,
  registryProxy,
  published,
}) => {
  const { digest, evil, rp, bad } = await loadTampered({ openRuntimePage, registryProxy, published })
  expect(!bad.ok && bad.error.code).toBe('INTEGRITY_MISMATCH')
  // The blob answer is `immutable`: a runtime that trusts the HTTP cache after a mismatch stays broken.
  evil.set({})
  const good = await rp.load(catalog.ocrCls.name)
  const blobGets = evil.log.filter((l) => l.startsWith(`GET /v1/blobs/${digest}`)).length
  expect(good.ok, `${JSON.stringify(!good.ok && good.error)}; blob requests seen: ${blobGets}`).toBe(true)
})

test('a blob overwritten in the registry store is rejected with INTEGRITY_MISMATCH', async ({
  runtimePage,
  registry,
}) => {
  const labels = new TextEncoder().encode(JSON.stringify(['speech', 'silence', Date.now()]))
  const pub = await publish(registry.url, registry.token, 'tampered-store', {
    'model.onnx': vad.file,
    'labels.json': labels,
  })
  const entry = pub.manifest.files.find((f) => f.path === 'labels.json')!
  const forged = new Uint8Array(labels)
  forged[2] = forged[2]! ^ 0x20
  await writeFile(registry.blobFile(entry.digest), forged)
  const r = await runtimePage.load('tampered-store')
  expect(r.ok).toBe(false)
  expect(!r.ok && r.error.code).toBe('INTEGRITY_MISMATCH')
})

test('every bad input gets its code, names the input, and the model keeps working', async ({
  runtimePage,
}) => {
  await runtimePage.mustLoad(vad.name)
  const good = vad.inputs(61)
  const cases = [
    {
      why: 'unknown name',
      feeds: { ...good, extra: randomFloat32([1], 1) },
      code: 'INPUT_NAME',
      names: 'extra',
    },
    {
      why: 'missing input',
      feeds: { input: good.input!, h: good.h!, c: good.c! },
      code: 'INPUT_MISSING',
      names: 'sr',
    },
    {
      why: 'float for int64',
      feeds: { ...good, sr: { dtype: 'float32', dims: [], data: [16000] } },
      code: 'DTYPE_MISMATCH',
      names: 'sr',
    },
    {
      why: 'static dim differs',
      feeds: { ...good, h: randomFloat32([2, 1, 32], 2) },
      code: 'SHAPE_MISMATCH',
      names: 'h',
    },
    {
      why: 'wrong rank',
      feeds: { ...good, input: randomFloat32([512], 3) },
      code: 'SHAPE_MISMATCH',
      names: 'input',
    },
    {
      why: 'scalar given dims',
      feeds: { ...good, sr: int64([1], [16000]) },
      code: 'SHAPE_MISMATCH',
      names: 'sr',
    },
    {
      why: 'element count differs from dims',
      feeds: { ...good, c: { ...randomFloat32([2, 1, 64], 4), dims: [2, 1, 60] } },
      code: 'SHAPE_MISMATCH',
      names: 'c',
    },
  ] as const
  for (const c of cases) {
    const r = await runtimePage.run(vad.name, c.feeds)
    expect(r.ok, `${c.why} should fail`).toBe(false)
    if (r.ok) continue
    expect(r.error.code, `${c.why}: ${r.error.message}`).toBe(c.code)
    expect(r.error.message, c.why).toContain(c.names)
  }
  const [got, want] = await Promise.all([runtimePage.mustRun(vad.name, good), referenceRun(vad.file, good)])
  expect(compareTensors(got, want, 1e-4)).toBeNull()
})

test('unknown model, unknown version and a registry that is down have their codes', async ({
  runtimePage,
  openRuntimePage,
}) => {
  const noModel = await runtimePage.load('no-such-model')
  expect(!noModel.ok && noModel.error.code).toBe('MODEL_NOT_FOUND')
  const noVersion = await runtimePage.load(vad.name, { version: 999 })
  expect(!noVersion.ok && noVersion.error.code).toBe('VERSION_NOT_FOUND')

  const closedPort = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number }
      s.close(() => resolve(port))
    })
  })
  const rp = await openRuntimePage({ registry: `http://localhost:${closedPort}` })
  await rp.createRuntime()
  const down = await rp.load(vad.name)
  expect(down.ok).toBe(false)
  expect(['REGISTRY_UNREACHABLE', 'NOT_CACHED_OFFLINE']).toContain(!down.ok && down.error.code)
})

test('a server error from the registry is not mistaken for a missing model', async ({
  openRuntimePage,
  registryProxy,
}) => {
  const broken = await registryProxy({ failStatus: 500 })
  const rp = await openRuntimePage({ registry: broken.url })
  await rp.createRuntime()
  const r = await rp.load(vad.name)
  expect(r.ok).toBe(false)
  expect(['REGISTRY_ERROR', 'REGISTRY_UNREACHABLE', 'INTERNAL']).toContain(!r.ok && r.error.code)
})

test('loads report progress to the manifest size and resume an interrupted download with Range', async ({
  openRuntimePage,
  registryProxy,
  published,
}) => {
  const m = catalog.ocrDet
  const { digest, size } = published.ocrDet.manifest.files[0]!
  let cuts = 0
  const flaky = await registryProxy({
    cutAfterBytes: 1_000_000,
    cut: (p) => p === `/v1/blobs/${digest}` && cuts++ === 0,
  })
  const rp = await openRuntimePage({ registry: flaky.url })
  await rp.createRuntime()
  const r = await rp.load(m.name)
  expect(r.ok, JSON.stringify(!r.ok && r.error)).toBe(true)
  const blobGets = flaky.log.filter((l) => l.startsWith(`GET /v1/blobs/${digest}`))
  expect(blobGets.length).toBe(2)
  expect(blobGets[1]).toMatch(/range=bytes=\d+-/)
  const resumedAt = Number(/range=bytes=(\d+)-/.exec(blobGets[1]!)![1])
  expect(resumedAt).toBeGreaterThan(0)
  expect(resumedAt).toBeLessThanOrEqual(1_000_000)

  const last = r.progress.at(-1)!
  expect(last.phase).toBe('ready')
  const downloading = r.progress.filter((p) => p.phase === 'downloading')
  expect(downloading.length).toBeGreaterThan(1)
  expect(downloading.at(-1)!.loaded).toBe(size)
  for (const p of r.progress) if (p.phase !== 'resolving') expect(p.total).toBe(size)
  const feeds = m.inputs(62)
  const [got, want] = await Promise.all([rp.mustRun(m.name, feeds), referenceRun(m.file, feeds)])
  expect(compareTensors(got, want, 1e-4)).toBeNull()
})

test('aborting a load or a queued run rejects with ABORTED; the rest still run', async ({
  openRuntimePage,
  registryProxy,
}) => {
  const slow = await registryProxy({ throttleMs: 50, throttle: (p) => p.startsWith('/v1/blobs/') })
  const rp = await openRuntimePage({ registry: slow.url })
  await rp.createRuntime()
  const already = await rp.load(vad.name, { abortAfterMs: 0 }, 'pre-aborted')
  expect(!already.ok && already.error.code).toBe('ABORTED')
  const midway = await rp.load(catalog.ocrDet.name, { abortAfterMs: 300 }, 'mid-aborted')
  expect(!midway.ok && midway.error.code).toBe('ABORTED')
  expect(midway.ms).toBeLessThan(3000)

  slow.set({})
  await rp.mustLoad(catalog.ocrDet.name)
  // Inputs big enough that runs take a while: the fourth is aborted while it waits in the queue.
  const feeds = { x: randomFloat32([1, 3, 160, 160], 63) }
  const results = await rp.runMany(catalog.ocrDet.name, feeds, 5, [
    undefined,
    undefined,
    undefined,
    5,
    undefined,
  ])
  const codes = results.map((r) => (r.ok ? 'ok' : r.error.code))
  expect(codes).toEqual(['ok', 'ok', 'ok', 'ABORTED', 'ok'])
})

test('past the queue bound, runs fail fast with QUEUE_FULL (FIFO) and the model keeps working', async ({
  openRuntimePage,
  registry,
}) => {
  // A batched version: the batcher holds the first request up to maxDelayMs waiting for company, so
  // the queue really fills (a WASM run is synchronous in the worker and would drain it at once).
  const m = catalog.ocrCls
  const name = 'ocr-cls-batched'
  await publish(
    registry.url,
    registry.token,
    name,
    { 'model.onnx': m.file },
    {
      inputs: [{ name: 'x', dtype: 'float32', shape: ['batch', 3, 'height', 'width'] }],
      outputs: [{ name: 'softmax_0.tmp_0', dtype: 'float32', shape: ['batch', 2] }],
      runtime: { backends: ['webgpu', 'wasm'], batching: { maxBatchSize: 8, maxDelayMs: 400 } },
    },
  )
  const rp = await openRuntimePage()
  await rp.createRuntime({ maxQueue: 2 })
  await rp.mustLoad(name)
  const feeds = m.inputs(64)
  const results = await rp.runMany(name, feeds, 6)
  const codes = results.map((r) => (r.ok ? 'ok' : r.error.code))
  expect(codes).toEqual(['ok', 'ok', 'QUEUE_FULL', 'QUEUE_FULL', 'QUEUE_FULL', 'QUEUE_FULL'])
  const want = await referenceRun(m.file, feeds)
  for (const r of results) if (r.ok) expect(compareTensors(r.outputs, want, 1e-4)).toBeNull()
  expect(compareTensors(await rp.mustRun(name, feeds), want, 1e-4)).toBeNull()
})

test("inputs cross to the worker as copies: the caller's arrays (views too) stay intact; transfer detaches them", async ({
  runtimePage,
}) => {
  await runtimePage.mustLoad(catalog.ocrCls.name)
  const x = catalog.ocrCls.inputs().x!
  const r = await runtimePage.page.evaluate(
    async ([name, wire]) => {
      const h = window.harness
      const model = h.models.get(name) as {
        run(i: unknown, o?: { transfer?: boolean }): Promise<Record<string, { data: Float32Array }>>
      }
      const plain = h.toTensor(wire) as { data: Float32Array; dims: number[] }
      // The same values as a view into the middle of a bigger buffer.
      const big = new Float32Array(plain.data.length + 64).fill(7)
      big.set(plain.data, 32)
      const view = big.subarray(32, 32 + plain.data.length)
      const a = await model.run({ x: plain })
      const b = await model.run({ x: { data: view, dims: plain.dims } })
      const intact = big.buffer.byteLength === big.length * 4 && big[0] === 7 && view[5] === plain.data[5]
      const mine = plain.data.slice()
      await model.run({ x: { data: mine, dims: plain.dims } }, { transfer: true })
      const same = Object.keys(a).every((k) => a[k]!.data.every((v, i) => v === b[k]!.data[i]))
      return { intact, same, detached: mine.byteLength === 0, plainKept: plain.data.byteLength > 0 }
    },
    [catalog.ocrCls.name, x] as const,
  )
  expect(r).toEqual({ intact: true, same: true, detached: true, plainKept: true })
})

test('ONNX Runtime failing to load once is BACKEND_UNAVAILABLE, and the next load tries again and works', async ({
  openRuntimePage,
  page,
}) => {
  let requests = 0
  await page
    .context()
    .route(/\/ort\.wasm\.min\.mjs$/, (route) =>
      ++requests === 1 ? route.fulfill({ status: 503, body: 'unavailable' }) : route.continue(),
    )
  const rp = await openRuntimePage()
  await rp.createRuntime()
  const first = await rp.load(catalog.ocrCls.name)
  expect(!first.ok && first.error.code).toBe('BACKEND_UNAVAILABLE')
  expect(!first.ok && first.error.message).toContain('could not load ONNX Runtime')
  const second = await rp.load(catalog.ocrCls.name)
  expect(second.ok, JSON.stringify(!second.ok && second.error)).toBe(true)
  expect(requests).toBe(2)
})
