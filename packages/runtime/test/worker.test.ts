// The worker protocol over a real MessageChannel (as a browser's Worker uses it): results, progress and
// events cross to the page; errors keep their `code`; outputs arrive as transfers; a worker that dies
// fails its calls with WORKER_CRASHED and the next call starts a new one. The worker's default bytes
// cache is IndexedDB, as in a browser worker.
import 'fake-indexeddb/auto'
import { afterEach, describe, expect, it } from 'vitest'
// @ts-expect-error plain JS helper shared with the benchmarks
import { mlpOnnx, mlpSignature } from '../../../bench/lib/mlp-onnx.mjs'
import type { EngineClient } from '../src/api/model.js'
import { createRuntimeWith, type RuntimeHost } from '../src/api/runtime.js'
import type { Ferry } from '../src/api/types.js'
import { ortWeb } from '../src/backends/ort-web/backend.js'
import type { Backend } from '../src/backends/types.js'
import { quotaError } from '../src/cache/driver.js'
import { createCache, createMemoryDriver, type ModelCache } from '../src/cache/index.js'
import { createEngine } from '../src/engine/engine.js'
import { FerryError, hasErrorCode, type TelemetryEvent } from '../src/index.js'
import { browserEngineOptions } from '../src/platform/browser-engine.js'
import { type WorkerLike, workerEngine } from '../src/worker/client.js'
import { serveEngine } from '../src/worker/server.js'
import { hangRuns } from './faults.js'
import { createTestRegistry, REGISTRY } from './registry.js'

async function until(ok: () => Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms
  while (!(await ok())) {
    if (Date.now() > end) throw new Error('timed out waiting')
    await new Promise((r) => setTimeout(r, 5))
  }
}

const open: Ferry[] = []
afterEach(async () => {
  await Promise.all(open.splice(0).map((f) => f.close()))
})

const loadOrt = () => import('onnxruntime-web')

/** A host whose "worker" is the other end of a MessageChannel; `kill()` makes the current one die. */
/** A page with workers and no WebGPU, as the tests' hosts describe it. */
const PAGE: RuntimeHost['capabilities'] = {
  env: 'browser',
  workers: true,
  webgpuApi: false,
  crossOriginIsolated: false,
  hardwareConcurrency: 1,
}

function overChannel(
  reg: ReturnType<typeof createTestRegistry>,
  events: TelemetryEvent[],
  wrap: (b: Backend) => Backend = (b) => b,
  /** The worker's bytes cache, given the worker's event sink (default: IndexedDB). */
  cache?: (emit: (events: TelemetryEvent[]) => void) => ModelCache,
) {
  let started = 0
  let kill = () => {}
  const host: RuntimeHost = {
    capabilities: PAGE,
    worker: (s) =>
      workerEngine({
        start() {
          started++
          const { port1, port2 } = new MessageChannel()
          serveEngine(port1, (init, parts) =>
            createEngine(
              browserEngineOptions(
                {
                  config: init.config,
                  emit: parts.emit,
                  fetch: reg.fetch,
                  cacheOptions: { name: `w${started}` },
                  ...(cache ? { cache: cache(parts.emit) } : {}),
                },
                [wrap(ortWeb({ load: loadOrt, devices: ['wasm'] }))],
              ),
            ),
          )
          return port2 as unknown as WorkerLike
        },
        init: { config: s.config, cache: {} },
        emit: s.emit,
        watch: (_name, gone) => {
          kill = gone
          return () => {}
        },
      }),
    local: () => Promise.reject(new Error('not used')),
    placement: () => import('../src/placement/index.js'),
  }
  const ferry = createRuntimeWith(host, {
    registry: REGISTRY,
    worker: true,
    telemetry: false,
    onEvent: (e: TelemetryEvent) => events.push(e),
  })
  open.push(ferry)
  return { ferry, kill: () => kill(), started: () => started }
}

async function publishMlp(name = 'mlp') {
  const reg = createTestRegistry()
  await reg.publish(name, [{ path: 'm.onnx', role: 'model', bytes: mlpOnnx(8, 4) }], mlpSignature(8, 4))
  return reg
}

describe('worker protocol over a MessageChannel', () => {
  it('loads and runs; progress comes in order before the answer, events and coded errors cross', async () => {
    const reg = await publishMlp()
    const events: TelemetryEvent[] = []
    const { ferry } = overChannel(reg, events)
    expect(ferry.inWorker).toBe(true)
    const phases: string[] = []
    const model = await ferry.load('mlp', { onProgress: (p) => phases.push(p.phase) })
    expect(model.backend).toBe('wasm')
    expect(phases[0]).toBe('resolving')
    expect(phases.at(-1)).toBe('ready')
    expect(phases).toContain('compiling')
    const out = await model.run({ x: { data: new Float32Array(16).fill(1), dims: [2, 8] } })
    expect(out.y?.dims).toEqual([2, 4])
    expect(out.y?.data).toBeInstanceOf(Float32Array)
    // infer: the same outputs, and where and how the call ran.
    const { outputs, info } = await model.infer({ x: { data: new Float32Array(16).fill(1), dims: [2, 8] } })
    expect(outputs.y?.data).toEqual(out.y?.data)
    expect(info).toMatchObject({ placement: 'device', backend: 'wasm', batch: 1 })
    expect(info.computeMs).toBeGreaterThan(0)
    expect(model).toMatchObject({ placement: 'device', edge: null })

    const err = await model.run({ x: new Int32Array(8) }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(FerryError)
    expect(hasErrorCode(err, 'DTYPE_MISMATCH')).toBe(true)
    expect((err as Error).message).toContain('"x"')
    const nf = await ferry.load('missing').catch((e: unknown) => e)
    expect(hasErrorCode(nf, 'MODEL_NOT_FOUND')).toBe(true)

    const list = await ferry.cache.list()
    expect(list.map((e) => [e.name, e.version, e.inMemory])).toEqual([['mlp', 1, true]])
    const [s] = await ferry.sessions.list()
    expect(s).toMatchObject({ name: 'mlp', state: 'ready', queued: 0, running: 0 })
    expect(s?.callsPerMin).toBeGreaterThan(0)
    await new Promise((r) => setTimeout(r, 60))
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['load', 'inference', 'error']))
    await model.unload()
    expect(
      hasErrorCode(await model.run({ x: new Float32Array(8) }).catch((e: unknown) => e), 'MODEL_UNLOADED'),
    ).toBe(true)
  })

  it("a load's background store reports quota before cache.list() resolves, with the event timer pending", async () => {
    // e2e "a simulated quota error…": the quota event is emitted in the worker after the run answered,
    // while the flush timer armed by that run's inference event is pending. It must ride on list()'s
    // answer. (Before the engine seam, events had a channel of their own: list() could resolve first.)
    const reg = await publishMlp()
    const events: TelemetryEvent[] = []
    let fill = () => {}
    const full = new Promise<void>((resolve) => {
      fill = resolve
    })
    const { ferry } = overChannel(reg, events, undefined, (emit) => {
      const driver = createMemoryDriver()
      return createCache(
        {
          ...driver,
          async writeBlob() {
            await full
            throw quotaError()
          },
        },
        { onEvent: (e) => emit([e]) },
      )
    })
    const model = await ferry.load('mlp')
    await model.run({ x: new Float32Array(8) })
    fill()
    const list = await ferry.cache.list()
    expect(list).toEqual([])
    expect(events.filter((e) => e.type === 'cache' && e.action === 'quota').map((e) => e.model)).toEqual([
      'mlp',
    ])
  })

  it('a worker that dies fails its calls with WORKER_CRASHED; the next call starts a new one and reloads', async () => {
    const reg = await publishMlp()
    let hang: ReturnType<typeof hangRuns> | undefined
    const { ferry, kill, started } = overChannel(reg, [], (b) => {
      // The first worker's runs hang (work in flight when it dies); the second one's run.
      if (hang) return b
      hang = hangRuns(b)
      return hang
    })
    const model = await ferry.load('mlp')
    const x = { x: new Float32Array(8).fill(1) }
    const inFlight = model.run(x).catch((e: unknown) => e)
    await until(async () => (await ferry.sessions.list())[0]?.running === 1)
    kill()
    expect(hasErrorCode(await inFlight, 'WORKER_CRASHED')).toBe(true)
    const after = await model.run(x)
    expect(started()).toBe(2)
    expect(after.y?.dims).toEqual([1, 4])
  })

  it('a model in use in three crashes within a minute is MODEL_TOO_LARGE', async () => {
    const reg = await publishMlp()
    const { ferry, kill } = overChannel(reg, [], hangRuns)
    const model = await ferry.load('mlp')
    const x = { x: new Float32Array(8).fill(1) }
    for (let i = 0; i < 3; i++) {
      const p = model.run(x).catch((e: unknown) => e)
      await until(async () => (await ferry.sessions.list())[0]?.running === 1)
      kill()
      expect(hasErrorCode(await p, 'WORKER_CRASHED')).toBe(true)
    }
    const err = await model.run(x).catch((e: unknown) => e)
    expect(hasErrorCode(err, 'MODEL_TOO_LARGE')).toBe(true)
    expect(hasErrorCode(await ferry.load('mlp').catch((e: unknown) => e), 'MODEL_TOO_LARGE')).toBe(true)
  })

  it('calls still pending when the runtime closes settle (RUNTIME_CLOSED) instead of hanging', async () => {
    const reg = await publishMlp()
    const { ferry } = overChannel(reg, [])
    await ferry.load('mlp')
    const pending = [ferry.cache.list(), ferry.cache.estimate(), ferry.load('mlp')].map((p) =>
      p.then(
        () => 'ok',
        (e: unknown) => (hasErrorCode(e) ? e.code : String(e)),
      ),
    )
    await ferry.close()
    const settled = await Promise.race([
      Promise.all(pending),
      new Promise((r) => setTimeout(() => r('still pending 2 s after close'), 2000)),
    ])
    expect(
      Array.isArray(settled) ? settled.every((s) => s === 'ok' || s === 'RUNTIME_CLOSED') : settled,
    ).toBe(true)
  })

  it('a worker that fails to start rejects with BACKEND_UNAVAILABLE instead of hanging', async () => {
    const host: RuntimeHost = {
      capabilities: PAGE,
      worker: (s) =>
        workerEngine({
          start() {
            const dead = Object.assign(new EventTarget(), {
              postMessage() {},
              onmessage: null,
              terminate() {},
            })
            setTimeout(
              () => dead.dispatchEvent(Object.assign(new Event('error'), { message: 'script 404' })),
              5,
            )
            return dead
          },
          init: { config: s.config, cache: {} },
          emit: s.emit,
        }),
      local: () => Promise.reject(new Error('unused')),
      placement: () => import('../src/placement/index.js'),
    }
    const ferry = createRuntimeWith(host, { registry: REGISTRY, worker: true, telemetry: false })
    open.push(ferry)
    const err = await ferry.load('mlp').catch((e: unknown) => e)
    expect(hasErrorCode(err, 'BACKEND_UNAVAILABLE')).toBe(true)
    expect((err as Error).message).toContain('script 404')
  })

  it("worker: 'auto' falls back in-thread when a Worker cannot be constructed", async () => {
    let local = false
    const ferry = createRuntimeWith(
      {
        capabilities: PAGE,
        worker: (s) =>
          workerEngine({
            start: () => {
              throw new Error('blocked by CSP')
            },
            init: { config: s.config, cache: {} },
            emit: s.emit,
          }),
        local: async () => {
          local = true
          return { close: async () => {} } as unknown as EngineClient
        },
        placement: () => import('../src/placement/index.js'),
      },
      { registry: REGISTRY, telemetry: false },
    )
    open.push(ferry)
    expect(ferry.inWorker).toBe(false)
    expect(local).toBe(true)
  })
})
