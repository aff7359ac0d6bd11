// The runtime's placement against this server, in-process: a real registry, the edge app on the real engine,
// and an in-thread runtime (Node) whose fetch reaches both. Forced edge equals forced device; `auto` goes to
// the edge over the device budget, when the device has no usable backend, or offline and not cached; warm
// start answers from the edge while the device downloads, then moves; edge down → device, or
// EDGE_UNREACHABLE with the device's reason; a version whose files differ on the edge → EDGE_MISMATCH.
import { hasErrorCode, type TelemetryEvent } from '@ferry/protocol'
import {
  createMemoryCache,
  createRuntime,
  type Ferry,
  type Model,
  type RuntimeOptions,
} from '@ferry/runtime/node'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import {
  createTestRegistry,
  DIGITS,
  DIGITS_SIG,
  digitRow,
  edgeApp,
  REGISTRY,
  seed,
  type TestRegistry,
  VAD,
  VAD_SIGNATURE,
} from '../test/support.js'
import type { EdgeApp } from './app.js'

const EDGE = 'http://edge.test'

let reg: TestRegistry
let app: EdgeApp
let versions: { digits: number; vad: number }
/** The edge answers nothing while true (a network failure, as fetch reports it). */
let edgeDown = false
/** Holds the runtime's blob downloads (not the edge's) until it resolves. */
let blobGate: Promise<void> | null = null
/** The runtime cannot reach the registry (the edge still can). */
let registryDown = false

beforeAll(async () => {
  reg = createTestRegistry()
  versions = await seed(reg)
  app = edgeApp(reg)
})
afterAll(() => app.edge.close())

const open: Ferry[] = []
afterEach(async () => {
  edgeDown = false
  blobGate = null
  registryDown = false
  await Promise.all(open.splice(0).map((f) => f.close()))
})

/** The runtime's fetch: the edge app for EDGE, the registry for the rest. */
const route = (async (input: RequestInfo | URL, init?: RequestInit) => {
  const req = new Request(input, init)
  if (req.url.startsWith(EDGE)) {
    if (edgeDown) throw new TypeError('fetch failed (edge down)')
    return app.fetch(req)
  }
  if (registryDown) throw new TypeError('fetch failed (registry unreachable)')
  if (blobGate && new URL(req.url).pathname.startsWith('/v1/blobs/')) await blobGate
  return reg.fetch(req)
}) as typeof fetch

function runtime(extra: Partial<RuntimeOptions> = {}) {
  const events: TelemetryEvent[] = []
  const ferry = createRuntime({
    registry: REGISTRY,
    edge: EDGE,
    fetch: route,
    cache: createMemoryCache(),
    telemetry: false,
    onEvent: (e) => events.push(e),
    ...extra,
  })
  open.push(ferry)
  return { ferry, events }
}

const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => 'no error',
    (e: unknown) => (hasErrorCode(e) ? e.code : `uncoded: ${String(e)}`),
  )

const digits = (rows: number) => ({
  x: {
    data: Float32Array.from({ length: rows * 784 }, (_, i) => digitRow(rows)[i % 784] ?? 0),
    dims: [rows, 784],
  },
})
const vad = () => ({
  input: { data: Float32Array.from({ length: 512 }, (_, i) => Math.sin(i / 7) / 3), dims: [1, 512] },
  sr: 16000n,
  h: { data: new Float32Array(128).fill(0.05), dims: [2, 1, 64] },
  c: { data: new Float32Array(128).fill(-0.05), dims: [2, 1, 64] },
})

function close(
  a: Record<string, { data: unknown; dims: number[] }>,
  b: Record<string, { data: unknown; dims: number[] }>,
) {
  expect(Object.keys(a).sort()).toEqual(Object.keys(b).sort())
  for (const k of Object.keys(a)) {
    expect(a[k]?.dims).toEqual(b[k]?.dims)
    const x = a[k]?.data as Float32Array
    const y = b[k]?.data as Float32Array
    expect(x.constructor).toBe(y.constructor)
    for (let i = 0; i < x.length; i++) expect(Math.abs((x[i] ?? 0) - (y[i] ?? 0))).toBeLessThan(1e-4)
  }
}

describe('placement: forced', () => {
  it('edge and device give the same outputs (JSON and binary requests, several outputs, an int64 scalar)', async () => {
    const { ferry, events } = runtime()
    for (const [name, inputs] of [
      ['digits', digits(1)], // 3 KB: JSON
      ['digits', digits(4)], // 12 KB: binary
      ['silero-vad', vad()],
    ] as const) {
      const onDevice = await ferry.load(name, { placement: 'device' })
      const onEdge = await ferry.load(name, { placement: 'edge' })
      expect(onDevice).toMatchObject({ placement: 'device', edge: null })
      expect(onEdge).toMatchObject({
        placement: 'edge',
        backend: 'edge',
        edge: { url: `${EDGE}/`, backend: 'wasm' },
        fallback: null,
        version: onDevice.version,
      })
      const d = await onDevice.infer(inputs)
      const e = await onEdge.infer(inputs)
      close(d.outputs, e.outputs)
      expect(d.info.placement).toBe('device')
      expect(e.info).toMatchObject({ placement: 'edge', backend: 'wasm', batch: 1 })
      expect(e.info.computeMs).toBeGreaterThan(0)
      expect(e.info.networkMs).toBeGreaterThanOrEqual(0)
      expect(await onEdge.run(inputs)).toBeTypeOf('object')
    }
    const edgeRuns = events.filter((e) => e.type === 'inference' && e.placement === 'edge')
    expect(edgeRuns.length).toBe(6)
    expect(edgeRuns[0]).toMatchObject({ backend: 'wasm', ok: true })
    // A forced placement is not a fallback.
    expect(events.filter((e) => e.type === 'fallback')).toEqual([])
  })

  it('checks inputs as the device does, aborts, and refuses calls after unload', async () => {
    const { ferry } = runtime()
    const m = await ferry.load('digits', { placement: 'edge' })
    expect(await codeOf(m.run({ x: new Int32Array(784) }))).toBe('DTYPE_MISMATCH')
    expect(await codeOf(m.run({ y: new Float32Array(784) }))).toBe('INPUT_NAME')
    expect(await codeOf(m.run(digits(1), { signal: AbortSignal.abort() }))).toBe('ABORTED')
    await m.unload()
    expect(await codeOf(m.run(digits(1)))).toBe('MODEL_UNLOADED')
    const other = await ferry.load('digits', { placement: 'edge' })
    const here = await ferry.load('digits', { placement: 'device' })
    await ferry.close()
    expect(await codeOf(other.run(digits(1)))).toBe('RUNTIME_CLOSED')
    expect(await codeOf(here.run(digits(1)))).toBe('RUNTIME_CLOSED')
  })

  it('forced edge fails with coded errors and never moves: edge down, unknown model', async () => {
    const { ferry } = runtime()
    edgeDown = true
    expect(await codeOf(ferry.load('digits', { placement: 'edge' }))).toBe('EDGE_UNREACHABLE')
    edgeDown = false
    const m = await ferry.load('digits', { placement: 'edge' })
    edgeDown = true
    expect(await codeOf(m.run(digits(1)))).toBe('EDGE_UNREACHABLE')
    expect(m.placement).toBe('edge')
    expect(await codeOf(ferry.load('nope', { placement: 'edge' }))).toBe('MODEL_NOT_FOUND')
    const without = createRuntime({
      registry: REGISTRY,
      fetch: route,
      cache: createMemoryCache(),
      telemetry: false,
    })
    open.push(without)
    expect(await codeOf(without.load('digits', { placement: 'edge' }))).toBe('BAD_REQUEST')
  })
})

describe('placement: auto', () => {
  it('goes to the edge when the model is over the device budget, and says why', async () => {
    const { ferry, events } = runtime({ cache: createMemoryCache({ maxBytes: 100_000 }) })
    const m = await ferry.load('digits')
    expect(m.placement).toBe('edge')
    expect(m.fallback?.reason).toMatch(/^over-device-budget: \d+ bytes > the cache budget of 100000 bytes$/)
    expect((await m.infer(digits(1))).info.placement).toBe('edge')
    expect(events.find((e) => e.type === 'fallback')).toMatchObject({
      placement: 'edge',
      to: 'wasm',
      reason: expect.stringMatching(/^over-device-budget/),
    })
    // The session budget counts too.
    const small = runtime({ sessions: { maxBytes: 1000 } }).ferry
    expect((await small.load('digits')).fallback?.reason).toMatch(/the session budget of 1000 bytes/)
  })

  it('goes to the edge when no device backend can run the model', async () => {
    const { ferry } = runtime({ backends: ['webgpu'] }) // none on Node
    const m = await ferry.load('digits')
    expect(m.placement).toBe('edge')
    expect(m.fallback?.reason).toMatch(/^device-unavailable: /)
    expect((await m.infer(digits(1))).info.placement).toBe('edge')
  })

  it('warm start: the edge answers while the device downloads, then calls move to the device', async () => {
    const { ferry, events } = runtime()
    let release = () => {}
    blobGate = new Promise((r) => {
      release = r
    })
    const phases: string[] = []
    const m = await ferry.load('silero-vad', { onProgress: (p) => phases.push(p.phase) })
    expect(m.placement).toBe('edge')
    expect(m.fallback).toMatchObject({ reason: 'warm-start' })
    expect(phases).not.toContain('ready')
    const first = await m.infer(vad())
    expect(first.info.placement).toBe('edge')
    release()
    await expect.poll(() => m.placement, { timeout: 20_000 }).toBe('device')
    expect(phases.at(-1)).toBe('ready')
    const later = await m.infer(vad())
    expect(later.info.placement).toBe('device')
    expect(m.fallback).toBeNull()
    close(first.outputs, later.outputs)
    const moves = events
      .filter((e) => e.type === 'fallback')
      .map((e) => e.type === 'fallback' && [e.placement, e.reason])
    expect(moves).toEqual([
      ['edge', 'warm-start'],
      ['device', 'device-ready'],
    ])
  })

  it('a cached model loads on the device without asking the edge', async () => {
    const { ferry } = runtime()
    await (await ferry.load('digits', { placement: 'device' })).unload()
    edgeDown = true
    const m = await ferry.load('digits')
    expect(m.placement).toBe('device')
    expect((await m.infer(digits(1))).info.placement).toBe('device')
  })

  it('edge down with a capable device → the device', async () => {
    const { ferry, events } = runtime()
    edgeDown = true
    const m = await ferry.load('silero-vad')
    expect(m.placement).toBe('device')
    expect((await m.infer(vad())).info.placement).toBe('device')
    expect(events).toContainEqual(expect.objectContaining({ type: 'error', code: 'EDGE_UNREACHABLE' }))
  })

  it('edge down with an incapable device → EDGE_UNREACHABLE with the device reason', async () => {
    const { ferry } = runtime({ cache: createMemoryCache({ maxBytes: 100_000 }) })
    edgeDown = true
    const err = await ferry.load('digits').catch((e: unknown) => e)
    expect(hasErrorCode(err, 'EDGE_UNREACHABLE')).toBe(true)
    expect((err as Error).message).toMatch(
      /unreachable.*and the device cannot run digits@\d+: over-device-budget/,
    )
    // Placed on the edge, then the edge goes: calls fail with the same code and reason.
    edgeDown = false
    const m = await ferry.load('digits')
    edgeDown = true
    const run = await m.run(digits(1)).catch((e: unknown) => e)
    expect(hasErrorCode(run, 'EDGE_UNREACHABLE')).toBe(true)
    expect((run as Error).message).toMatch(/over-device-budget/)
  })

  it('the registry unreachable and the model not on this device → the edge (offline-not-cached)', async () => {
    const { ferry } = runtime()
    registryDown = true // for the runtime; the edge still reaches it
    const m = await ferry.load('digits', { version: versions.digits })
    expect(m.placement).toBe('edge')
    expect(m.fallback?.reason).toMatch(/^offline-not-cached: /)
    expect(m.version).toBe(versions.digits)
    expect((await m.infer(digits(1))).info.placement).toBe('edge')
  })
})

describe('placement: the same version on both sides', () => {
  let other: TestRegistry
  let otherApp: EdgeApp
  beforeAll(async () => {
    // An edge that follows another registry, whose models have the same version numbers but other bytes.
    other = createTestRegistry()
    await other.publish('digits', [{ path: 'model.onnx', role: 'model', bytes: VAD() }], DIGITS_SIG)
    await other.publish('silero-vad', [{ path: 'model.onnx', role: 'model', bytes: DIGITS }], VAD_SIGNATURE)
    otherApp = edgeApp(other)
  })
  afterAll(() => otherApp.edge.close())

  const mismatched = (extra: Partial<RuntimeOptions> = {}) =>
    runtime({
      fetch: (async (input: RequestInfo | URL, init?: RequestInit) => {
        const req = new Request(input, init)
        return req.url.startsWith(EDGE) ? otherApp.fetch(req) : reg.fetch(req)
      }) as typeof fetch,
      ...extra,
    })

  it('a version whose files differ on the edge is EDGE_MISMATCH, forced or auto, never a silent other model', async () => {
    const { ferry } = mismatched({ cache: createMemoryCache({ maxBytes: 100_000 }) })
    expect(versions.digits).toBe(1)
    const forced = await ferry.load('digits', { placement: 'edge' }).catch((e: unknown) => e)
    expect(hasErrorCode(forced, 'EDGE_MISMATCH')).toBe(true)
    expect((forced as Error).message).toMatch(/other files than the registry's/)
    expect(await codeOf(ferry.load('digits'))).toBe('EDGE_MISMATCH')
  })

  it('auto with a capable device runs on the device and reports the mismatch', async () => {
    const { ferry, events } = mismatched()
    const m: Model = await ferry.load('silero-vad')
    expect(m.placement).toBe('device')
    // Whichever side answered first, the edge's refusal is reported.
    await expect.poll(() => events.some((e) => e.type === 'error' && e.code === 'EDGE_MISMATCH')).toBe(true)
  })
})
