// gRPC over a real socket with a generic client: @grpc/grpc-js + @grpc/proto-loader on the project's own
// .proto, against the server on the real engine and an in-process registry.
import * as grpc from '@grpc/grpc-js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createTestRegistry,
  digitRow,
  edgeApp,
  REGISTRY,
  seed,
  type TestRegistry,
} from '../../test/support.js'
import { type RunningEdge, serveEdge } from '../adapter/node.js'
import { LOADER_OPTIONS, loadService } from './server.js'

let reg: TestRegistry
let edge: RunningEdge
let client: grpc.Client &
  Record<
    string,
    (req: unknown, md: grpc.Metadata, cb: (e: grpc.ServiceError | null, r: never) => void) => void
  >

const call = <T>(method: string, req: unknown, token?: string) =>
  new Promise<T>((resolve, reject) => {
    const md = new grpc.Metadata()
    if (token) md.set('authorization', `Bearer ${token}`)
    client[method]?.(req, md, (err, res) => (err ? reject(err) : resolve(res as T)))
  })

beforeAll(async () => {
  reg = createTestRegistry()
  await seed(reg)
  edge = await serveEdge({
    registry: REGISTRY,
    fetch: reg.fetch,
    port: 0,
    grpcPort: 0,
    pollMs: 0,
    backends: ['wasm'],
    token: 'tok',
    log: () => {},
  })
  const Service = loadService()
  client = new Service(`127.0.0.1:${edge.grpcPort}`, grpc.credentials.createInsecure()) as never
  expect(LOADER_OPTIONS.keepCase).toBe(true)
})
afterAll(async () => {
  client?.close()
  await edge?.close()
})

interface InferResponse {
  model_name: string
  model_version: string
  id: string
  outputs: { name: string; datatype: string; shape: string[]; contents: { fp32_contents: number[] } | null }[]
  raw_output_contents: Buffer[]
}

describe('gRPC inference.GRPCInferenceService', () => {
  it('answers health and metadata', async () => {
    expect(await call('ServerLive', {})).toEqual({ live: true })
    expect(await call('ServerReady', {})).toEqual({ ready: true })
    const meta = await call<{ name: string; extensions: string[] }>('ServerMetadata', {})
    expect(meta.extensions).toContain('binary_tensor_data')
    expect(await call('ModelReady', { name: 'digits', version: '' })).toEqual({ ready: false })
    const m = await call<{ platform: string; inputs: unknown[] }>('ModelMetadata', { name: 'digits' })
    expect(m.platform).toBe('onnxruntime_onnx')
    expect(m.inputs).toEqual([{ name: 'x', datatype: 'FP32', shape: ['-1', '784'] }])
    expect(await call('ModelReady', { name: 'digits', version: '' })).toEqual({ ready: true })
  })

  it('runs typed contents and raw contents to the same answer as REST, int64 scalars included', async () => {
    const row = digitRow(3)
    const typed = await call<InferResponse>(
      'ModelInfer',
      {
        model_name: 'digits',
        id: 'g1',
        inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 784], contents: { fp32_contents: row } }],
      },
      'tok',
    )
    expect(typed).toMatchObject({ model_name: 'digits', id: 'g1' })
    expect(typed.outputs[0]).toMatchObject({ name: 'probs', datatype: 'FP32', shape: ['1', '10'] })
    const raw = await call<InferResponse>(
      'ModelInfer',
      {
        model_name: 'digits',
        inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 784] }],
        raw_input_contents: [Buffer.from(Float32Array.from(row).buffer)],
      },
      'tok',
    )
    const rawProbs = new Float32Array(new Uint8Array(raw.raw_output_contents[0] as Buffer).buffer)
    expect(Array.from(rawProbs)).toEqual(typed.outputs[0]?.contents?.fp32_contents)
    const rest = await (
      await edge.app.request('/v2/models/digits/infer', {
        method: 'POST',
        headers: { authorization: 'Bearer tok' },
        body: JSON.stringify({ inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 784], data: row }] }),
      })
    ).json()
    expect(rest.outputs[0].data).toEqual(Array.from(rawProbs))
    const vad = await call<InferResponse>(
      'ModelInfer',
      {
        model_name: 'silero-vad',
        model_version: 'stable',
        inputs: [
          {
            name: 'input',
            datatype: 'FP32',
            shape: [1, 512],
            contents: { fp32_contents: new Array(512).fill(0.1) },
          },
          { name: 'sr', datatype: 'INT64', shape: [], contents: { int64_contents: ['16000'] } },
          {
            name: 'h',
            datatype: 'FP32',
            shape: [2, 1, 64],
            contents: { fp32_contents: new Array(128).fill(0) },
          },
          {
            name: 'c',
            datatype: 'FP32',
            shape: [2, 1, 64],
            contents: { fp32_contents: new Array(128).fill(0) },
          },
        ],
        outputs: [{ name: 'output' }, { name: 'cn' }],
      },
      'tok',
    )
    expect(vad.outputs.map((o) => o.name)).toEqual(['output', 'cn'])
  })

  it('maps errors to gRPC status codes', async () => {
    const code = (p: Promise<unknown>) =>
      p.then(
        () => 0,
        (e: grpc.ServiceError) => e.code,
      )
    const x = { name: 'x', datatype: 'FP32', shape: [1, 784], contents: { fp32_contents: digitRow(1) } }
    expect(await code(call('ModelInfer', { model_name: 'nope', inputs: [x] }, 'tok'))).toBe(
      grpc.status.NOT_FOUND,
    )
    expect(
      await code(call('ModelInfer', { model_name: 'digits', inputs: [{ ...x, datatype: 'INT8' }] }, 'tok')),
    ).toBe(grpc.status.INVALID_ARGUMENT)
    expect(
      await code(call('ModelInfer', { model_name: 'digits', inputs: [{ ...x, shape: [2, 784] }] }, 'tok')),
    ).toBe(grpc.status.INVALID_ARGUMENT)
    expect(await code(call('ModelInfer', { model_name: 'digits', inputs: [x] }))).toBe(
      grpc.status.UNAUTHENTICATED,
    )
    expect(await code(call('ModelMetadata', { name: 'Not A Name' }))).toBe(grpc.status.INVALID_ARGUMENT)
  })
})

it('server metadata says when gRPC is off', async () => {
  const app = edgeApp(createTestRegistry())
  expect((await (await app.request('/v2')).json()).grpc.served).toBe(false)
  await app.edge.close()
})
