import 'fake-indexeddb/auto'
import type { TelemetryBatch, TelemetryEvent } from '@ferry/protocol'
import { afterEach, describe, expect, it } from 'vitest'
import { indexedDbStorage } from './idb-storage.js'
import { createTelemetry, telemetryEndpoint } from './index.js'
import { memoryStorage, Outbox, type OutboxStorage } from './outbox.js'
import { TelemetryReporter } from './reporter.js'
import type { SendResult } from './transport.js'

const ts = 1_764_115_200_000
const inference = (i = 0): TelemetryEvent => ({
  type: 'inference',
  model: 'digits',
  version: 1,
  backend: 'wasm',
  batch: 1,
  queueMs: i,
  computeMs: 1,
  ok: true,
  ts,
})
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** A collector stand-in: records bodies, answers what `answer` says. */
function fakeServer() {
  const got: TelemetryBatch[] = []
  const state = { answer: { kind: 'sent' } as SendResult, attempts: 0 }
  const transport = async (body: string): Promise<SendResult> => {
    state.attempts++
    if (state.answer.kind === 'sent') got.push(JSON.parse(body))
    return state.answer
  }
  const events = () => got.flatMap((b) => b.events)
  return { got, state, transport, events }
}

const reporters: TelemetryReporter[] = []
function reporter(
  server: ReturnType<typeof fakeServer>,
  o: Partial<ConstructorParameters<typeof TelemetryReporter>[0]> & {
    storage?: OutboxStorage
    maxEvents?: number
  } = {},
) {
  const { storage, maxEvents, ...rest } = o
  const r = new TelemetryReporter({
    transport: server.transport,
    outbox: new Outbox(storage ?? memoryStorage(), maxEvents ? { maxEvents } : {}),
    clientId: 'client-1',
    env: 'browser',
    runtimeVersion: '0.1.0',
    flushMs: 60_000,
    backoff: { minMs: 5, maxMs: 20 },
    ...rest,
  })
  reporters.push(r)
  return r
}

afterEach(async () => {
  for (const r of reporters.splice(0)) await r.close(100)
})

describe('TelemetryReporter', () => {
  it('sends a batch as soon as it is full, and the rest after flushMs', async () => {
    const server = fakeServer()
    const r = reporter(server, { maxBatch: 3, flushMs: 30 })
    await r.ready()
    for (let i = 0; i < 7; i++) r.record(inference(i))
    await sleep(5)
    expect(server.got.map((b) => b.events.length)).toEqual([3, 3])
    await sleep(60)
    expect(server.got.map((b) => b.events.length)).toEqual([3, 3, 1])
    expect(server.events().map((e) => (e as { queueMs: number }).queueMs)).toEqual([0, 1, 2, 3, 4, 5, 6])
    expect(server.got[0]!.client).toEqual({ id: 'client-1', runtime: '0.1.0', env: 'browser' })
    expect(new Set(server.got.map((b) => b.batchId)).size).toBe(3)
  })

  it('close() delivers what is pending', async () => {
    const server = fakeServer()
    const r = reporter(server)
    r.record(inference())
    r.record({ type: 'error', code: 'SHAPE_MISMATCH', model: 'digits', version: 1, ts })
    await r.close()
    expect(server.events().map((e) => e.type)).toEqual(['inference', 'error'])
    r.record(inference())
    expect(r.pending).toBe(0)
  })

  it('samples inference events only, and tells the collector the rate', async () => {
    const server = fakeServer()
    let n = 0
    const r = reporter(server, { sampleRate: 0.25, random: () => (n++ % 4) / 4 })
    for (let i = 0; i < 8; i++) r.record(inference(i))
    r.record({
      type: 'fallback',
      model: 'digits',
      version: 1,
      from: 'webgpu',
      to: 'wasm',
      reason: 'no-adapter',
      ts,
    })
    await r.flush()
    expect(server.events().map((e) => e.type)).toEqual(['inference', 'inference', 'fallback'])
    expect(server.got[0]!.sampleRate).toBe(0.25)
  })

  it('never sends fields outside the schema (inputs, outputs) and drops events it cannot make valid', async () => {
    const server = fakeServer()
    const r = reporter(server)
    r.record({
      ...inference(),
      computeMs: Number.NaN,
      inputs: { x: [1, 2, 3] },
      outputs: 'secret',
    } as unknown as TelemetryEvent)
    r.record({
      type: 'load',
      model: 'm',
      version: 1,
      backend: 'tpu',
      source: 'cache',
      bytes: 1,
      ms: 1,
      ts,
      // An event as a page could send it at run time, outside the type: the sanitizer must clean it.
    } as unknown as TelemetryEvent)
    await r.flush()
    const body = JSON.stringify(server.got)
    expect(body).not.toContain('secret')
    expect(body).not.toContain('inputs')
    expect(server.events()).toHaveLength(1)
    expect(server.events()[0]).toMatchObject({ computeMs: 0 })
    expect(server.got[0]!.dropped).toBe(1)
  })

  it('keeps batches while offline and delivers each once, with the same batchId, when the network returns', async () => {
    const server = fakeServer()
    server.state.answer = { kind: 'retry', afterMs: 0 }
    let online = false
    const r = reporter(server, { isOnline: () => online, maxBatch: 2 })
    for (let i = 0; i < 5; i++) r.record(inference(i))
    await r.flush()
    expect(server.state.attempts).toBe(0) // known offline: no request at all
    expect(r.pending).toBe(5)
    online = true
    await r.flush() // the collector answers 503 / network error: still kept
    expect(r.pending).toBe(5)
    server.state.answer = { kind: 'sent' }
    r.online()
    await sleep(10)
    expect(server.events()).toHaveLength(5)
    expect(r.pending).toBe(0)
    await sleep(50) // no retry timer left that would send anything twice
    expect(server.got).toHaveLength(3)
    expect(server.events().map((e) => (e as { queueMs: number }).queueMs)).toEqual([0, 1, 2, 3, 4])
  })

  it('retries with backoff on its own, honouring Retry-After', async () => {
    const server = fakeServer()
    server.state.answer = { kind: 'retry', afterMs: 40 }
    const r = reporter(server)
    r.record(inference())
    await r.flush()
    expect(server.state.attempts).toBe(1)
    server.state.answer = { kind: 'sent' }
    await sleep(20)
    expect(server.got).toHaveLength(0)
    await sleep(60)
    expect(server.got).toHaveLength(1)
  })

  it('drops batches the collector rejects for good (4xx) instead of retrying them', async () => {
    const server = fakeServer()
    server.state.answer = { kind: 'rejected', status: 400 }
    const r = reporter(server)
    r.record(inference())
    await r.flush()
    expect(r.pending).toBe(0)
    await sleep(30)
    expect(server.state.attempts).toBe(1)
  })

  it('bounds the offline outbox, dropping the oldest and reporting how many were dropped', async () => {
    const server = fakeServer()
    let online = false
    const r = reporter(server, { isOnline: () => online, maxBatch: 5, maxEvents: 10 })
    for (let i = 0; i < 25; i++) r.record(inference(i))
    await r.flush()
    expect(r.pending).toBe(10)
    online = true
    r.online()
    await sleep(10)
    r.record(inference(99))
    await r.flush()
    const delivered = server.events().map((e) => (e as { queueMs: number }).queueMs)
    expect(delivered).toEqual([15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 99])
    const dropped = server.got.reduce((n, b) => n + (b.dropped ?? 0), 0)
    expect(dropped).toBe(15)
  })

  it('hands pending batches to the beacon when the page is hidden', async () => {
    const server = fakeServer()
    const beaconed: string[] = []
    const r = reporter(server, { beacon: (b) => beaconed.push(b) > 0 })
    await r.ready()
    r.record(inference())
    r.hidden()
    expect(beaconed).toHaveLength(1)
    expect(JSON.parse(beaconed[0]!).events).toHaveLength(1)
    expect(r.pending).toBe(0)
    await sleep(5)
    expect(server.got).toHaveLength(0)
  })

  it('keeps batches in IndexedDB across sessions and sends them once from the next one', async () => {
    const server = fakeServer()
    const first = reporter(server, { storage: indexedDbStorage(), isOnline: () => false })
    first.record(inference(1))
    first.record(inference(2))
    await first.close()
    expect(server.state.attempts).toBe(0)
    const second = reporter(server, { storage: indexedDbStorage() })
    await second.ready()
    await sleep(10)
    expect(server.events()).toHaveLength(2)
    const id = server.got[0]!.batchId
    const third = reporter(server, { storage: indexedDbStorage() })
    await third.ready()
    await sleep(10)
    expect(server.got.map((b) => b.batchId)).toEqual([id])
    expect((await indexedDbStorage().load()).batches).toEqual([])
  })
})

describe('createTelemetry', () => {
  it('is off with `telemetry: false` and posts to <registry>/v1/telemetry by default', async () => {
    expect(createTelemetry(false, { registry: 'http://r', env: 'node' })).toBeNull()
    expect(telemetryEndpoint('http://r/base/')).toBe('http://r/base/v1/telemetry')
    const calls: { url: string; init: RequestInit }[] = []
    const t = createTelemetry(
      { flushMs: 60_000 },
      {
        registry: 'http://registry.test',
        env: 'node',
        storage: memoryStorage(),
        fetch: async (url, init) => {
          calls.push({ url: String(url), init: init! })
          return new Response(null, { status: 202 })
        },
      },
    )!
    t.record([inference()])
    await t.close()
    expect(calls).toHaveLength(1)
    expect(calls[0]!.url).toBe('http://registry.test/v1/telemetry')
    expect(calls[0]!.init.keepalive).toBe(true)
    expect(new Headers(calls[0]!.init.headers).get('content-type')).toContain('text/plain')
    const body = JSON.parse(String(calls[0]!.init.body)) as TelemetryBatch
    expect(body.client.id).toMatch(/^[0-9a-f]{32}$/)
    expect(body.client.env).toBe('node')
  })
})
