// The worker API over a real MessageChannel through Comlink (as the browser's Worker uses it): results,
// progress and events cross to the main side; errors keep their `code`; outputs arrive as transfers.
// The worker's default bytes cache is IndexedDB, as in a browser worker.
import 'fake-indexeddb/auto'
import { afterEach, describe, expect, it } from 'vitest'
// @ts-expect-error plain JS helper shared with the benchmarks
import { mlpOnnx, mlpSignature } from '../../../bench/lib/mlp-onnx.mjs'
import { createRuntimeWith, type Platform } from '../src/api/runtime.js'
import type { Ferry } from '../src/api/types.js'
import { FerryError, hasErrorCode, type TelemetryEvent } from '../src/index.js'
import { exposeEngine } from '../src/worker/expose.js'
import { createTestRegistry, REGISTRY } from './registry.js'

const open: Ferry[] = []
afterEach(async () => {
  await Promise.all(open.splice(0).map((f) => f.close()))
})

function overChannel(reg: ReturnType<typeof createTestRegistry>, events: TelemetryEvent[]) {
  const platform: Platform = {
    workers: true,
    startWorker() {
      const { port1, port2 } = new MessageChannel()
      exposeEngine(port1 as never, () => import('onnxruntime-web'), {}, { fetch: reg.fetch })
      return port2 as never
    },
    localEngine: () => Promise.reject(new Error('not used')),
  }
  const ferry = createRuntimeWith(platform, {
    registry: REGISTRY,
    worker: true,
    telemetry: false,
    onEvent: (e: TelemetryEvent) => events.push(e),
  } as never)
  open.push(ferry)
  return ferry
}

describe('worker API over a MessageChannel', () => {
  it('loads and runs; progress, events and coded errors cross the channel', async () => {
    const reg = createTestRegistry()
    await reg.publish('mlp', [{ path: 'm.onnx', role: 'model', bytes: mlpOnnx(8, 4) }], mlpSignature(8, 4))
    const events: TelemetryEvent[] = []
    const ferry = overChannel(reg, events)
    expect(ferry.inWorker).toBe(true)
    const phases: string[] = []
    const model = await ferry.load('mlp', { onProgress: (p) => phases.push(p.phase) })
    expect(model.backend).toBe('wasm')
    expect(phases.at(-1)).toBe('ready')
    const out = await model.run({ x: { data: new Float32Array(16).fill(1), dims: [2, 8] } })
    expect(out.y?.dims).toEqual([2, 4])
    expect(out.y?.data).toBeInstanceOf(Float32Array)

    const err = await model.run({ x: new Int32Array(8) }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(FerryError)
    expect(hasErrorCode(err, 'DTYPE_MISMATCH')).toBe(true)
    expect((err as Error).message).toContain('"x"')
    const nf = await ferry.load('missing').catch((e: unknown) => e)
    expect(hasErrorCode(nf, 'MODEL_NOT_FOUND')).toBe(true)

    const list = await ferry.cache.list()
    expect(list.map((e) => [e.name, e.version, e.inMemory])).toEqual([['mlp', 1, true]])
    await new Promise((r) => setTimeout(r, 60))
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['load', 'inference', 'error']))
    await model.unload()
    expect(
      hasErrorCode(await model.run({ x: new Float32Array(8) }).catch((e: unknown) => e), 'MODEL_UNLOADED'),
    ).toBe(true)
  })

  it('calls still pending when the runtime closes settle (RUNTIME_CLOSED) instead of hanging', async () => {
    const reg = createTestRegistry()
    await reg.publish('mlp', [{ path: 'm.onnx', role: 'model', bytes: mlpOnnx(8, 4) }], mlpSignature(8, 4))
    const ferry = overChannel(reg, [])
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
    const dead = Object.assign(new EventTarget(), { postMessage() {}, terminate() {} })
    setTimeout(() => dead.dispatchEvent(Object.assign(new Event('error'), { message: 'script 404' })), 5)
    const ferry = createRuntimeWith(
      {
        workers: true,
        startWorker: () => dead as never,
        localEngine: () => Promise.reject(new Error('unused')),
      },
      { registry: REGISTRY, worker: true, telemetry: false } as never,
    )
    open.push(ferry)
    const err = await ferry.load('mlp').catch((e: unknown) => e)
    expect(hasErrorCode(err, 'BACKEND_UNAVAILABLE')).toBe(true)
    expect((err as Error).message).toContain('script 404')
  })

  it("worker: 'auto' falls back in-thread when a Worker cannot be constructed", async () => {
    let local = false
    const ferry = createRuntimeWith(
      {
        workers: true,
        startWorker: () => {
          throw new Error('blocked by CSP')
        },
        localEngine: async () => {
          local = true
          return { close: async () => {} } as never
        },
      },
      { registry: REGISTRY, telemetry: false } as never,
    )
    open.push(ferry)
    expect(ferry.inWorker).toBe(false)
    expect(local).toBe(true)
  })
})
