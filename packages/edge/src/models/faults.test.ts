// The model manager's faults on the real engine: an alias moved under load (no failed request, answers
// switch version), a corrupted new version (the old one keeps serving), the registry gone (loaded models
// keep serving), a restart with the registry down (cached models serve); and the queue's surfaces (429,
// a disconnected client's request cancelled).
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { tamperBlobs } from '../../../runtime/test/registry.js'
import {
  createTestRegistry,
  DIGITS,
  DIGITS_SIG,
  digitRow,
  edgeApp,
  post,
  seed,
  type TestRegistry,
} from '../../test/support.js'
import type { EdgeApp } from '../app.js'

const opened: EdgeApp[] = []
const dirs: string[] = []
afterEach(async () => {
  for (const a of opened.splice(0)) await a.edge.close()
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true })
})
const open = (reg: TestRegistry, o: Parameters<typeof edgeApp>[1] = {}) => {
  const a = edgeApp(reg, o)
  opened.push(a)
  return a
}

const digitsRequest = (seedN = 1) => ({
  inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 784], data: digitRow(seedN) }],
})

async function publishDigits(reg: TestRegistry, alias?: string) {
  const v = await reg.publish('digits', [{ path: 'model.onnx', role: 'model', bytes: DIGITS }], {
    ...DIGITS_SIG,
    runtime: { backends: ['wasm'] },
  })
  if (alias) await reg.setAlias('digits', alias, v)
  return v
}

describe('alias following', () => {
  it('an alias moved under load: no request fails, answers switch to the new version, the old one unloads', async () => {
    const reg = createTestRegistry()
    const v1 = await publishDigits(reg, 'stable')
    const app = open(reg)
    expect((await post(app, '/v2/models/digits/infer', digitsRequest())).status).toBe(200)
    const v2 = await publishDigits(reg)
    await reg.setAlias('digits', 'stable', v2)
    const seen: string[] = []
    let stop = false
    const client = async () => {
      while (!stop) {
        const res = await post(app, '/v2/models/digits/infer', digitsRequest())
        expect(res.status).toBe(200)
        seen.push((await res.json()).model_version)
        // In-process requests settle in microtasks: let timers and the poll's work run between them.
        await new Promise((r) => setImmediate(r))
      }
    }
    const clients = Array.from({ length: 4 }, client)
    await app.edge.models.poll()
    const after = seen.length
    await new Promise((r) => setTimeout(r, 50))
    stop = true
    await Promise.all(clients)
    expect(seen).toContain(String(v2))
    expect(seen.slice(after + 4).every((v) => v === String(v2))).toBe(true)
    expect(app.edge.models.loaded().map((m) => m.version)).toEqual([v2])
    const metrics = await (await app.request('/metrics')).text()
    expect(metrics).toMatch(/ferry_edge_alias_switches_total\{model="digits"\} 1/)
    expect(metrics).toMatch(/ferry_edge_model_unloads_total\{model="digits"\} 1/)
    expect(metrics).not.toMatch(new RegExp(`ferry_edge_model_info\\{model="digits",version="${v1}"`))
  })

  it('a corrupted new version fails its load and the old version keeps serving', async () => {
    const reg = createTestRegistry()
    const v1 = await publishDigits(reg, 'stable')
    const app = open(reg)
    expect((await post(app, '/v2/models/digits/infer', digitsRequest())).status).toBe(200)
    // A new version with different bytes (labels file), whose blobs arrive tampered.
    const v2 = await reg.publish(
      'digits',
      [
        { path: 'model.onnx', role: 'model', bytes: DIGITS },
        {
          path: 'labels.json',
          role: 'labels',
          bytes: new TextEncoder().encode('["0","1","2","3","4","5","6","7","8","9"]'),
        },
      ],
      { ...DIGITS_SIG, runtime: { backends: ['wasm'] } },
    )
    await reg.setAlias('digits', 'stable', v2)
    reg.intercept = tamperBlobs()
    await app.edge.models.poll()
    const res = await post(app, '/v2/models/digits/infer', digitsRequest())
    expect(res.status).toBe(200)
    expect((await res.json()).model_version).toBe(String(v1))
    const metrics = await (await app.request('/metrics')).text()
    expect(metrics).toMatch(/ferry_edge_model_loads_total\{model="digits",outcome="failure"\} 1/)
    const index = await (await post(app, '/v2/repository/index', {})).json()
    expect(index).toContainEqual(
      expect.objectContaining({
        name: 'digits',
        version: String(v1),
        state: 'READY',
        reason: expect.stringMatching(/keeps serving/),
      }),
    )
    // Fixed: the next poll switches.
    reg.intercept = undefined
    await app.edge.models.poll()
    expect((await (await post(app, '/v2/models/digits/infer', digitsRequest())).json()).model_version).toBe(
      String(v2),
    )
  })
})

describe('registry faults', () => {
  it('the registry gone: loaded models keep serving; a restart with it down serves what was cached', async () => {
    const reg = createTestRegistry()
    await seed(reg)
    const dir = await mkdtemp(path.join(tmpdir(), 'ferry-edge-cache-'))
    dirs.push(dir)
    const first = open(reg, { cacheDir: dir, models: ['silero-vad', 'digits'], pollMs: 0 })
    expect((await first.edge.preload).failed).toEqual([])
    const ok = await post(first, '/v2/models/digits/infer', digitsRequest())
    const expected = (await ok.json()).outputs[0].data
    reg.offline = true
    await first.edge.models.poll()
    const during = await post(first, '/v2/models/digits/infer', digitsRequest())
    expect(during.status).toBe(200)
    expect((await during.json()).outputs[0].data).toEqual(expected)
    await first.edge.close()
    opened.splice(opened.indexOf(first), 1)
    // A new server process, same cache folder, registry still down.
    const second = open(reg, { cacheDir: dir, models: ['digits', 'silero-vad'] })
    expect((await second.edge.preload).failed).toEqual([])
    const res = await post(second, '/v2/models/digits/infer', digitsRequest())
    expect(res.status).toBe(200)
    expect((await res.json()).outputs[0].data).toEqual(expected)
    // Something never cached: a clear 503, not a hang.
    const none = await post(second, '/v2/models/ocr-det/infer', digitsRequest())
    expect(none.status).toBe(503)
    expect((await none.json()).error).toMatch(/cannot reach the registry/)
  })
})

describe('scheduling surfaces', () => {
  it('past the queue bound a request is 429 naming the bound; the rest are answered', async () => {
    const reg = createTestRegistry()
    await seed(reg)
    const app = open(reg, { maxQueue: 1 })
    const body = {
      inputs: [
        { name: 'input', datatype: 'FP32', shape: [1, 4096], data: new Array(4096).fill(0.1) },
        { name: 'sr', datatype: 'INT64', shape: [], data: [16000] },
        { name: 'h', datatype: 'FP32', shape: [2, 1, 64], data: new Array(128).fill(0) },
        { name: 'c', datatype: 'FP32', shape: [2, 1, 64], data: new Array(128).fill(0) },
      ],
    }
    expect((await post(app, '/v2/models/silero-vad/infer', body)).status).toBe(200)
    const answers = await Promise.all(
      Array.from({ length: 24 }, () => post(app, '/v2/models/silero-vad/infer', body)),
    )
    const statuses = answers.map((r) => r.status)
    expect(statuses.every((s) => s === 200 || s === 429)).toBe(true)
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0)
    const full = answers.find((r) => r.status === 429) as Response
    expect((await full.json()).error).toMatch(/queue is full \(1 waiting\)/)
    const metrics = await (await app.request('/metrics')).text()
    expect(metrics).toMatch(
      /ferry_edge_inference_requests_total\{model="silero-vad",version="\d+",outcome="rejected"\} [1-9]/,
    )
  })

  it("a client that goes away cancels its queued request; a request's timeout parameter bounds it", async () => {
    const reg = createTestRegistry()
    await seed(reg)
    const app = open(reg)
    const big = {
      inputs: [
        {
          name: 'x',
          datatype: 'FP32',
          shape: [16, 784],
          data: Array.from({ length: 16 }, (_, i) => digitRow(i)),
        },
      ],
    }
    expect((await post(app, '/v2/models/digits/infer', big)).status).toBe(200)
    const ac = new AbortController()
    const running = Array.from({ length: 6 }, () => post(app, '/v2/models/digits/infer', big))
    const gone = app.request('/v2/models/digits/infer', {
      method: 'POST',
      body: JSON.stringify(digitsRequest()),
      signal: ac.signal,
    })
    ac.abort()
    const res = await Promise.resolve(gone).catch((e: Error) => e)
    await Promise.all(running)
    const status = res instanceof Response ? res.status : 499
    expect([499]).toContain(status)
    const timed = await post(app, '/v2/models/digits/infer', {
      ...digitsRequest(),
      parameters: { timeout: 'soon' },
    })
    expect(timed.status).toBe(400)
    expect((await timed.json()).error).toMatch(/microseconds/)
  })
})
