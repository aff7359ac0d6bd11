// Route tests: the edge app answered through app.request(), on the real engine (onnxruntime-web WASM),
// against a real in-process registry with real models.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  binaryBody,
  createTestRegistry,
  DIGITS,
  DIGITS_SIG,
  digitRow,
  edgeApp,
  post,
  REGISTRY,
  seed,
  type TestRegistry,
} from '../test/support.js'
import type { EdgeApp } from './app.js'

let reg: TestRegistry
let app: EdgeApp
let versions: { digits: number; vad: number }

beforeAll(async () => {
  reg = createTestRegistry()
  versions = await seed(reg)
  app = edgeApp(reg)
})
afterAll(() => app.edge.close())

const vadInputs = (sr: number | string = 16000) => [
  {
    name: 'input',
    datatype: 'FP32',
    shape: [1, 512],
    data: Array.from({ length: 512 }, (_, i) => Math.sin(i / 9) / 4),
  },
  { name: 'sr', datatype: 'INT64', shape: [], data: [sr] },
  { name: 'h', datatype: 'FP32', shape: [2, 1, 64], data: new Array(128).fill(0.01) },
  { name: 'c', datatype: 'FP32', shape: [2, 1, 64], data: new Array(128).fill(0) },
]

describe('health and metadata', () => {
  it('answers live, ready and the server metadata with its extensions', async () => {
    expect((await app.request('/v2/health/live')).status).toBe(200)
    expect((await app.request('/v2/health/ready')).status).toBe(200)
    const meta = await (await app.request('/v2')).json()
    expect(meta).toMatchObject({
      name: 'ferry-edge',
      extensions: ['binary_tensor_data', 'model_repository', 'statistics'],
    })
  })

  it('describes a model with OIP datatypes, -1 for variable dims, and its backend', async () => {
    const res = await app.request('/v2/models/silero-vad')
    expect(res.status).toBe(200)
    const m = await res.json()
    expect(m).toMatchObject({
      name: 'silero-vad',
      platform: 'onnxruntime_onnx',
      version: String(versions.vad),
      backend: 'wasm',
    })
    expect(m.versions).toContain(String(versions.vad))
    expect(m.inputs).toEqual([
      { name: 'input', datatype: 'FP32', shape: [-1, -1] },
      { name: 'sr', datatype: 'INT64', shape: [] },
      { name: 'h', datatype: 'FP32', shape: [2, -1, 64] },
      { name: 'c', datatype: 'FP32', shape: [2, -1, 64] },
    ])
    expect((await app.request('/v2/models/silero-vad/ready')).status).toBe(200)
    expect((await app.request(`/v2/models/silero-vad/versions/${versions.vad}/ready`)).status).toBe(200)
    expect((await app.request('/v2/models/ocr-det/ready')).status).toBe(404)
  })

  it("carries the version's manifest: the registry's files and digests, for clients to check", async () => {
    const m = await (await app.request(`/v2/models/digits/versions/${versions.digits}`)).json()
    const registry = await (
      await reg.fetch(`${REGISTRY}/v1/models/digits/versions/${versions.digits}`)
    ).json()
    expect(m.manifest).toEqual(registry)
    expect(m.manifest.files[0].digest).toMatch(/^sha256:[0-9a-f]{64}$/)
  })
})

describe('inference', () => {
  it('runs JSON requests: id echoed, several inputs and outputs, an int64 scalar, nested data, an output subset', async () => {
    const res = await post(app, '/v2/models/silero-vad/infer', { id: 'req-1', inputs: vadInputs() })
    expect(res.status).toBe(200)
    const out = await res.json()
    expect(out).toMatchObject({ id: 'req-1', model_name: 'silero-vad', model_version: String(versions.vad) })
    // Where and how long it ran here, for the client's latency split.
    expect(out.parameters).toMatchObject({ batch_size: 1, backend: 'wasm' })
    expect(out.parameters.compute_ms).toBeGreaterThan(0)
    expect(out.parameters.queue_ms).toBeGreaterThanOrEqual(0)
    expect(out.outputs.map((o: { name: string }) => o.name)).toEqual(['output', 'hn', 'cn'])
    expect(out.outputs[0]).toMatchObject({ datatype: 'FP32', shape: [1, 1] })
    const p = out.outputs[0].data[0]
    expect(p).toBeGreaterThanOrEqual(0)
    expect(p).toBeLessThanOrEqual(1)
    // Nested data, int64 as a decimal string, only `hn` asked for: same numbers.
    const nested = vadInputs('16000')
    nested[2] = { ...nested[2], data: [[Array(64).fill(0.01)], [Array(64).fill(0.01)]] } as never
    const sub = await (
      await post(app, `/v2/models/silero-vad/versions/${versions.vad}/infer`, {
        inputs: nested,
        outputs: [{ name: 'hn' }],
      })
    ).json()
    expect(sub.outputs.map((o: { name: string }) => o.name)).toEqual(['hn'])
    expect(sub.outputs[0].data).toEqual(out.outputs[1].data)
  })

  it('speaks the binary tensor extension both ways and matches the JSON answer', async () => {
    const x = Float32Array.from(digitRow(7))
    const json = await (
      await post(app, '/v2/models/digits/infer', {
        inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 784], data: Array.from(x) }],
      })
    ).json()
    const { body, headerLength } = binaryBody(
      {
        inputs: [
          { name: 'x', datatype: 'FP32', shape: [1, 784], parameters: { binary_data_size: x.byteLength } },
        ],
        outputs: [{ name: 'probs', parameters: { binary_data: true } }],
      },
      x,
    )
    const res = await app.request('/v2/models/digits/infer', {
      method: 'POST',
      headers: {
        'content-type': 'application/octet-stream',
        'inference-header-content-length': String(headerLength),
      },
      body: body as BodyInit,
    })
    expect(res.status).toBe(200)
    const n = Number(res.headers.get('inference-header-content-length'))
    const bytes = new Uint8Array(await res.arrayBuffer())
    const head = JSON.parse(new TextDecoder().decode(bytes.subarray(0, n)))
    expect(head.outputs[0]).toMatchObject({
      name: 'probs',
      datatype: 'FP32',
      shape: [1, 10],
      parameters: { binary_data_size: 40 },
    })
    const probs = new Float32Array(bytes.slice(n).buffer)
    expect(Array.from(probs)).toEqual(json.outputs[0].data)
    // A raw binary request (header length 0): the model's one input, outputs in binary.
    const raw = await app.request('/v2/models/digits/infer', {
      method: 'POST',
      headers: { 'inference-header-content-length': '0' },
      body: new Uint8Array(x.buffer) as BodyInit,
    })
    expect(raw.status).toBe(200)
    const rawBytes = new Uint8Array(await raw.arrayBuffer())
    const rn = Number(raw.headers.get('inference-header-content-length'))
    expect(Array.from(new Float32Array(rawBytes.slice(rn).buffer))).toEqual(json.outputs[0].data)
  })

  it('batches concurrent requests on a model with runtime.batching, each caller getting its own rows', async () => {
    const rows = Array.from({ length: 12 }, (_, i) => digitRow(100 + i))
    const solo = await Promise.all(
      rows.slice(0, 3).map(
        async (r) =>
          (
            await (
              await post(app, '/v2/models/digits/infer', {
                inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 784], data: r }],
              })
            ).json()
          ).outputs[0].data,
      ),
    )
    const answers = await Promise.all(
      rows.map((r) =>
        post(app, '/v2/models/digits/infer', {
          inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 784], data: r }],
        }),
      ),
    )
    const outs = await Promise.all(answers.map(async (r) => (await r.json()).outputs[0]))
    for (const o of outs) expect(o.shape).toEqual([1, 10])
    for (let i = 0; i < 3; i++)
      for (const [j, v] of (outs[i].data as number[]).entries()) expect(v).toBeCloseTo(solo[i][j], 5)
    const metrics = await (await app.request('/metrics')).text()
    const get = (name: string) =>
      Number(new RegExp(`^${name}\\{model="digits",version="\\d+"\\} (\\d+)`, 'm').exec(metrics)?.[1])
    expect(get('ferry_edge_inferences_total')).toBeGreaterThan(get('ferry_edge_executions_total'))
  })
})

describe('the batching option (a server flag) overrides the manifest', () => {
  const executionsAfter = async (a: EdgeApp, model: string, rows: number[][]) => {
    await Promise.all(
      rows.map((r) =>
        post(a, `/v2/models/${model}/infer`, {
          inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 784], data: r }],
        }),
      ),
    )
    const metrics = await (await a.request('/metrics')).text()
    const get = (name: string) =>
      Number(new RegExp(`^${name}\\{model="${model}",version="\\d+"\\} (\\d+)`, 'm').exec(metrics)?.[1])
    return { inferences: get('ferry_edge_inferences_total'), executions: get('ferry_edge_executions_total') }
  }

  it('batches a model whose manifest has no batching, and turns batching off on one that has it', async () => {
    const r = createTestRegistry()
    await r.publish('plain', [{ path: 'model.onnx', role: 'model', bytes: DIGITS }], {
      ...DIGITS_SIG,
      runtime: { backends: ['wasm'] },
    })
    await seed(r)
    const a = edgeApp(r, { batching: { plain: { maxBatchSize: 16, maxDelayMs: 20 }, digits: false } })
    try {
      const rows = Array.from({ length: 12 }, (_, i) => digitRow(300 + i))
      const plain = await executionsAfter(a, 'plain', rows)
      expect(plain.inferences).toBe(12)
      expect(plain.executions).toBeLessThan(12)
      const digits = await executionsAfter(a, 'digits', rows)
      expect(digits).toEqual({ inferences: 12, executions: 12 })
    } finally {
      await a.edge.close()
    }
  })
})

describe('client mistakes are 4xx that name what was wrong, and the model keeps serving', () => {
  const x = (over: Record<string, unknown> = {}) => ({
    inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 784], data: digitRow(1), ...over }],
  })
  const cases: [string, () => Response | Promise<Response>, number, RegExp][] = [
    ['unknown model', () => post(app, '/v2/models/nope/infer', x()), 404, /nope/],
    ['bad model name', () => post(app, '/v2/models/Bad%20Name/infer', x()), 400, /not a model name/],
    ['bad version', () => post(app, '/v2/models/digits/versions/no$/infer', x()), 400, /version number/],
    ['unknown version', () => post(app, '/v2/models/digits/versions/99/infer', x()), 404, /99/],
    ['malformed JSON', () => post(app, '/v2/models/digits/infer', '{"inputs": ['), 400, /not valid JSON/],
    ['no inputs', () => post(app, '/v2/models/digits/infer', {}), 400, /"inputs"/],
    [
      'unknown input',
      () => post(app, '/v2/models/digits/infer', x({ name: 'y' })),
      400,
      /unknown input "y".*"x"/,
    ],
    [
      'wrong datatype',
      () => post(app, '/v2/models/digits/infer', x({ datatype: 'FP64' })),
      400,
      /FP64.*expects FP32/,
    ],
    [
      'unsupported datatype',
      () => post(app, '/v2/models/digits/infer', x({ datatype: 'FLOAT' })),
      400,
      /"FLOAT" is not one of/,
    ],
    [
      'element count',
      () => post(app, '/v2/models/digits/infer', x({ data: [1, 2, 3] })),
      400,
      /3 elements.*784/,
    ],
    [
      'static dim',
      () => post(app, '/v2/models/digits/infer', x({ shape: [1, 783], data: digitRow(1).slice(1) })),
      400,
      /784/,
    ],
    [
      'negative dim',
      () => post(app, '/v2/models/digits/infer', x({ shape: [-1, 784] })),
      400,
      /non-negative/,
    ],
    [
      'non-number element',
      () => post(app, '/v2/models/digits/infer', x({ data: ['a', ...digitRow(1).slice(1)] })),
      400,
      /element 0/,
    ],
    [
      'deep nesting',
      () =>
        post(
          app,
          '/v2/models/digits/infer',
          `{"inputs":[{"name":"x","datatype":"FP32","shape":[1,784],"data":${'['.repeat(5000)}${']'.repeat(5000)}}]}`,
        ),
      400,
      /nested deeper/,
    ],
    [
      'unknown output',
      () => post(app, '/v2/models/digits/infer', { ...x(), outputs: [{ name: 'logits' }] }),
      400,
      /unknown output "logits".*"probs"/,
    ],
    [
      'binary size past the body',
      () =>
        app.request('/v2/models/digits/infer', {
          method: 'POST',
          headers: { 'inference-header-content-length': '2' },
          body: '{}',
        }),
      400,
      /not valid JSON|inputs/,
    ],
    [
      'bad header length',
      () =>
        app.request('/v2/models/digits/infer', {
          method: 'POST',
          headers: { 'inference-header-content-length': '99' },
          body: '{}',
        }),
      400,
      /Inference-Header-Content-Length/,
    ],
    [
      'FP16 as JSON',
      () => post(app, '/v2/models/digits/infer', x({ datatype: 'FP16' })),
      400,
      /expects FP32/,
    ],
    [
      'missing input',
      () =>
        post(app, '/v2/models/silero-vad/infer', {
          inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 1], data: [0] }],
        }),
      400,
      /missing input "sr"/,
    ],
    ['no route', () => app.request('/v2/nothing'), 404, /no route/],
  ]
  for (const [what, send, status, message] of cases)
    it(what, async () => {
      const res = await send()
      expect(res.status).toBe(status)
      const body = await res.json()
      expect(typeof body.error).toBe('string')
      expect(body.error).toMatch(message)
    })

  it('binary sizes that do not add up are refused', async () => {
    const v = new Float32Array(784)
    const { body, headerLength } = binaryBody(
      { inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 784], parameters: { binary_data_size: 3136 } }] },
      v,
      new Uint8Array(4),
    )
    const res = await app.request('/v2/models/digits/infer', {
      method: 'POST',
      headers: { 'inference-header-content-length': String(headerLength) },
      body: body as BodyInit,
    })
    expect(res.status).toBe(400)
    expect((await res.json()).error).toMatch(/3140 bytes of binary data.*3136/)
    expect((await post(app, '/v2/models/digits/infer', x())).status).toBe(200)
  })

  it('a body past the limit is 413; a token is required where set', async () => {
    const small = edgeApp(reg, { maxBodyBytes: 1000, token: 's3cret' })
    try {
      const big = await post(small, '/v2/models/digits/infer', x(), { authorization: 'Bearer s3cret' })
      expect(big.status).toBe(413)
      expect((await big.json()).error).toMatch(/1000 bytes/)
      const none = await post(small, '/v2/models/digits/infer', { inputs: [] })
      expect(none.status).toBe(401)
      expect((await none.json()).error).toMatch(/Bearer/)
      expect(
        (await post(small, '/v2/repository/models/digits/unload', {}, { authorization: 'Bearer nope' }))
          .status,
      ).toBe(401)
      expect((await small.request('/v2/models/digits')).status).toBe(200)
    } finally {
      await small.edge.close()
    }
  })
})
