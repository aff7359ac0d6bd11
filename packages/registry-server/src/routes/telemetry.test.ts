import { MAX_EVENTS_PER_BATCH } from '@ferry/protocol'
import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import { type CollectorLimits, createCollector } from '../collector/collector.js'
import { MetricsRegistry } from '../metrics/registry.js'
import { bytesOf, setup as setupApp } from './fixture.suite.js'
import { telemetryRoutes } from './telemetry.js'

const ts = 1_764_115_200_000
const inference = {
  type: 'inference',
  model: 'digits',
  version: 1,
  backend: 'wasm',
  batch: 1,
  queueMs: 1,
  computeMs: 2,
  ok: true,
  ts,
}
const batch = (o: Record<string, unknown> = {}) => ({
  client: { id: 'client-1', runtime: '0.1.0', env: 'browser' },
  events: [inference],
  ...o,
})

function setup(limits: Partial<CollectorLimits> = {}, ip?: string) {
  const metrics = new MetricsRegistry()
  const collector = createCollector({
    metrics,
    knownModels: async () => [{ name: 'digits', versions: [1] }],
    limits,
  })
  const app = new Hono().route('/', telemetryRoutes(collector, ip ? { clientIp: () => ip } : {}))
  const post = (body: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
    app.request('/v1/telemetry', {
      method: 'POST',
      headers,
      body:
        typeof body === 'string' || body instanceof ReadableStream
          ? (body as BodyInit)
          : JSON.stringify(body),
      // streams need half-duplex in Node's fetch
      ...(body instanceof ReadableStream ? { duplex: 'half' } : {}),
    } as RequestInit)
  return { metrics, collector, app, post }
}

async function code(res: Response) {
  return ((await res.json()) as { error: { code: string } }).error.code
}

describe('POST /v1/telemetry', () => {
  it('accepts a valid batch with 202 and folds it', async () => {
    const { post, collector } = setup()
    const res = await post(batch())
    expect(res.status).toBe(202)
    expect(await res.json()).toEqual({ accepted: 1, duplicate: false })
    expect(res.headers.get('access-control-allow-origin')).toBe('*')
    expect(
      collector.series.inferences.value({
        model: 'digits',
        version: '1',
        backend: 'wasm',
        placement: 'device',
        ok: 'true',
      }),
    ).toBe(1)
  })

  it('accepts text/plain (sendBeacon, no preflight) and answers CORS preflights', async () => {
    const { post, app } = setup()
    expect((await post(JSON.stringify(batch()), { 'content-type': 'text/plain;charset=UTF-8' })).status).toBe(
      202,
    )
    const pre = await app.request('/v1/telemetry', {
      method: 'OPTIONS',
      headers: {
        origin: 'https://app.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    })
    expect(pre.status).toBe(204)
    expect(pre.headers.get('access-control-allow-origin')).toBe('*')
    expect(pre.headers.get('access-control-allow-methods')).toContain('POST')
  })

  it('drops a batch it has already folded (same client and batchId)', async () => {
    const { post, collector } = setup()
    expect(await (await post(batch({ batchId: 'b-1' }))).json()).toEqual({ accepted: 1, duplicate: false })
    const again = await post(batch({ batchId: 'b-1' }))
    expect(again.status).toBe(202)
    expect(await again.json()).toEqual({ accepted: 0, duplicate: true })
    await post(batch({ batchId: 'b-2' }))
    expect(
      collector.series.inferences.value({
        model: 'digits',
        version: '1',
        backend: 'wasm',
        placement: 'device',
        ok: 'true',
      }),
    ).toBe(2)
    expect(collector.series.batches.value({ result: 'duplicate' })).toBe(1)
  })

  const bad: [string, unknown, number, string][] = [
    ['malformed JSON', '{"client":', 400, 'INVALID_JSON'],
    ['an empty body', '', 400, 'INVALID_JSON'],
    ['JSON null', 'null', 400, 'INVALID_TELEMETRY'],
    ['an array', [], 400, 'INVALID_TELEMETRY'],
    ['no client', { events: [] }, 400, 'INVALID_TELEMETRY'],
    [
      'a client id too long',
      batch({ client: { id: 'x'.repeat(65), runtime: '0.1.0', env: 'browser' } }),
      400,
      'INVALID_TELEMETRY',
    ],
    [
      'an unknown env',
      batch({ client: { id: 'a', runtime: '0.1.0', env: 'toaster' } }),
      400,
      'INVALID_TELEMETRY',
    ],
    ['events not an array', batch({ events: {} }), 400, 'INVALID_TELEMETRY'],
    ['an unknown event type', batch({ events: [{ type: 'keystroke', ts }] }), 400, 'INVALID_TELEMETRY'],
    ['a negative duration', batch({ events: [{ ...inference, computeMs: -1 }] }), 400, 'INVALID_TELEMETRY'],
    ['a string number', batch({ events: [{ ...inference, queueMs: '1' }] }), 400, 'INVALID_TELEMETRY'],
    ['an unknown backend', batch({ events: [{ ...inference, backend: 'webgl' }] }), 400, 'INVALID_TELEMETRY'],
    ['a fractional version', batch({ events: [{ ...inference, version: 1.5 }] }), 400, 'INVALID_TELEMETRY'],
    [
      'a model name too long',
      batch({ events: [{ ...inference, model: 'm'.repeat(129) }] }),
      400,
      'INVALID_TELEMETRY',
    ],
    ['a negative dropped count', batch({ dropped: -1 }), 400, 'INVALID_TELEMETRY'],
    ['a sample rate above 1', batch({ sampleRate: 2 }), 400, 'INVALID_TELEMETRY'],
    ['a batchId too long', batch({ batchId: 'b'.repeat(65) }), 400, 'INVALID_TELEMETRY'],
    [
      'too many events',
      batch({ events: Array(MAX_EVENTS_PER_BATCH + 1).fill(inference) }),
      413,
      'PAYLOAD_TOO_LARGE',
    ],
  ]
  for (const [what, body, status, expected] of bad) {
    it(`answers ${status} ${expected} to ${what}`, async () => {
      const { post, collector } = setup()
      const res = await post(body)
      expect(res.status).toBe(status)
      expect(await code(res)).toBe(expected)
      expect(collector.series.events.size).toBe(0)
    })
  }

  it('answers 415 to a body that is not JSON text', async () => {
    const { post } = setup()
    const res = await post('a=1', { 'content-type': 'application/x-www-form-urlencoded' })
    expect(res.status).toBe(415)
    expect(await code(res)).toBe('UNSUPPORTED_MEDIA_TYPE')
  })

  it('applies a tighter events-per-batch limit', async () => {
    const { post } = setup({ maxEventsPerBatch: 2 })
    expect((await post(batch({ events: [inference, inference] }))).status).toBe(202)
    const res = await post(batch({ events: [inference, inference, inference] }))
    expect(res.status).toBe(413)
    expect(await code(res)).toBe('PAYLOAD_TOO_LARGE')
  })

  it('answers 413 from a declared Content-Length before reading', async () => {
    const { post } = setup({ maxBodyBytes: 1024 })
    const res = await post(JSON.stringify(batch()), {
      'content-type': 'application/json',
      'content-length': '5000',
    })
    expect(res.status).toBe(413)
    expect(await code(res)).toBe('PAYLOAD_TOO_LARGE')
  })

  it('answers 413 while streaming a body without a length, without reading it all', async () => {
    const { post } = setup({ maxBodyBytes: 1024 })
    let pulled = 0
    const endless = new ReadableStream<Uint8Array>({
      pull(ctrl) {
        pulled++
        ctrl.enqueue(new Uint8Array(512).fill(32))
      },
    })
    const res = await post(endless)
    expect(res.status).toBe(413)
    expect(await code(res)).toBe('PAYLOAD_TOO_LARGE')
    expect(pulled).toBeLessThan(10)
  })

  it('rate-limits a client id with 429 and Retry-After', async () => {
    const { post, collector } = setup({ perClient: { rate: 0.5, burst: 2 } })
    expect((await post(batch())).status).toBe(202)
    expect((await post(batch())).status).toBe(202)
    const res = await post(batch())
    expect(res.status).toBe(429)
    expect(await code(res)).toBe('RATE_LIMITED')
    expect(Number(res.headers.get('retry-after'))).toBe(2)
    expect((await post(batch({ client: { id: 'client-2', runtime: '0.1.0', env: 'node' } }))).status).toBe(
      202,
    )
    expect(collector.series.batches.value({ result: 'rate_limited' })).toBe(1)
  })

  it('rate-limits an IP address before reading the body, whatever client ids it claims', async () => {
    const { post } = setup({ perIp: { rate: 1, burst: 3 } }, '203.0.113.9')
    for (let i = 0; i < 3; i++) {
      expect((await post(batch({ client: { id: `c${i}`, runtime: '0.1.0', env: 'browser' } }))).status).toBe(
        202,
      )
    }
    const res = await post('not even json')
    expect(res.status).toBe(429)
    expect(res.headers.get('retry-after')).toBe('1')
  })

  it('renders folded series that a hostile client cannot multiply', async () => {
    const { post, metrics } = setup({ perClient: { rate: 1000, burst: 1000 } })
    for (let i = 0; i < 20; i++) {
      const events = Array.from({ length: 500 }, (_, j) => ({
        ...inference,
        model: `fake-${i}-${j}`,
        version: j + 1,
      }))
      expect((await post(batch({ events }))).status).toBe(202)
    }
    const text = metrics.render()
    const inferenceLines = text.split('\n').filter((l) => l.startsWith('ferry_client_inferences_total{'))
    expect(inferenceLines).toEqual([
      'ferry_client_inferences_total{model="other",version="other",backend="wasm",placement="device",ok="true"} 10000',
    ])
    for (const name of text.matchAll(/^# TYPE (\S+)/gm)) expect(text).toContain(`# HELP ${name[1]} `)
  })
})

describe('telemetry in the registry app', () => {
  it('labels series with models and versions the registry holds, and renders them on /metrics', async () => {
    const { req, publishBytes } = setupApp()
    const v = await publishBytes('digits', bytesOf(64))
    const send = (model: string, version: number) =>
      req('/v1/telemetry', {
        method: 'POST',
        headers: { 'content-type': 'text/plain;charset=UTF-8', origin: 'https://page.example' },
        body: JSON.stringify(batch({ events: [{ ...inference, model, version }] })),
      })
    const ok = await send('digits', v)
    expect(ok.status).toBe(202)
    expect(ok.headers.get('access-control-allow-origin')).toBe('*')
    expect((await send('digits', v + 5)).status).toBe(202)
    expect((await send('made-up', 1)).status).toBe(202)
    const text = await (await req('/metrics')).text()
    expect(text).toContain(
      `ferry_client_inferences_total{model="digits",version="${v}",backend="wasm",placement="device",ok="true"} 1`,
    )
    expect(text).toContain(
      'ferry_client_inferences_total{model="digits",version="other",backend="wasm",placement="device",ok="true"} 1',
    )
    expect(text).toContain(
      'ferry_client_inferences_total{model="other",version="other",backend="wasm",placement="device",ok="true"} 1',
    )
    expect(text).toContain('ferry_telemetry_batches_total{result="accepted"} 3')
    const pre = await req('/v1/telemetry', {
      method: 'OPTIONS',
      headers: { origin: 'https://page.example', 'access-control-request-method': 'POST' },
    })
    expect(pre.status).toBe(204)
    expect(pre.headers.get('access-control-allow-methods')).toContain('POST')
  })

  it('takes collector limits from the app options', async () => {
    const { req } = setupApp({ telemetry: { limits: { maxBodyBytes: 100 } } })
    const res = await req('/v1/telemetry', { method: 'POST', body: JSON.stringify(batch()) })
    expect(res.status).toBe(413)
  })
})
