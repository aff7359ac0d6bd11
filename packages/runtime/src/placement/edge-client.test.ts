// The edge client against a scripted fetch: what it sends (JSON for small inputs, the binary extension
// past JSON_MAX_BYTES or for FP16 and big int64s; binary answers asked for), what it decodes (the typed
// arrays the device path gives), the latency split, and the coded errors.
import type { Manifest } from '@ferry/protocol'
import { joinBody, toBytes } from '@ferry/protocol/oip'
import { describe, expect, it } from 'vitest'
import type { Tensor } from '../tensors/tensor.js'
import { edgeClient, JSON_MAX_BYTES } from './edge-client.js'

const manifest: Manifest = {
  schemaVersion: 1,
  name: 'm',
  version: 3,
  format: 'onnx',
  files: [{ path: 'model.onnx', role: 'model', digest: `sha256:${'a'.repeat(64)}`, size: 10 }],
  inputs: [{ name: 'x', dtype: 'float32', shape: ['n'] }],
  outputs: [{ name: 'ids', dtype: 'int64', shape: ['n'] }],
  createdAt: '2026-01-01T00:00:00Z',
}

interface Seen {
  url: string
  headers: Headers
  body: Uint8Array | null
}

/** A fetch that answers metadata with `meta` and infer with `answer(request)`. */
function scripted(meta: unknown, answer: (seen: Seen) => Response) {
  const seen: Seen[] = []
  const fetchFn = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const req = new Request(input, init)
    const s = {
      url: req.url,
      headers: req.headers,
      body: req.body ? new Uint8Array(await req.arrayBuffer()) : null,
    }
    seen.push(s)
    return req.method === 'GET' ? Response.json(meta) : answer(s)
  }) as typeof fetch
  return { seen, fetchFn }
}

const binaryAnswer = (params: Record<string, unknown>, version = '3') => {
  const ids: Tensor = { data: BigInt64Array.of(2n ** 60n, -1n), dims: [2], dtype: 'int64' }
  const bytes = toBytes(ids)
  const head = JSON.stringify({
    model_name: 'm',
    model_version: version,
    parameters: params,
    outputs: [
      { name: 'ids', datatype: 'INT64', shape: [2], parameters: { binary_data_size: bytes.byteLength } },
    ],
  })
  const { body, headerLength } = joinBody(head, [bytes])
  return new Response(body as BodyInit, {
    headers: { 'inference-header-content-length': String(headerLength) },
  })
}

const timing = { queue_ms: 1.5, compute_ms: 2, batch_size: 4, backend: 'cuda' }

describe('edge client', () => {
  it('sends small inputs as JSON (no preflight) and large or FP16 ones binary; decodes binary answers exactly', async () => {
    const { seen, fetchFn } = scripted({ manifest, backend: 'cpu' }, () => binaryAnswer(timing))
    const m = await edgeClient({ url: 'http://edge/base', token: 't' }, fetchFn).open('m', 3, manifest)
    expect(seen[0]?.url).toBe('http://edge/base/v2/models/m/versions/3')
    expect(seen[0]?.headers.get('authorization')).toBe('Bearer t')
    const small = await m.infer({ x: { data: Float32Array.of(1, 2), dims: [2], dtype: 'float32' } })
    expect(seen[1]?.url).toBe('http://edge/base/v2/models/m/versions/3/infer')
    expect(seen[1]?.headers.get('content-type')).toBe('text/plain')
    expect(JSON.parse(new TextDecoder().decode(seen[1]?.body ?? undefined))).toEqual({
      inputs: [{ name: 'x', datatype: 'FP32', shape: [2], data: [1, 2] }],
      parameters: { binary_data_output: true },
    })
    expect(small.outputs.ids).toEqual({ data: BigInt64Array.of(2n ** 60n, -1n), dims: [2], dtype: 'int64' })
    expect(small.info).toMatchObject({
      placement: 'edge',
      backend: 'cuda',
      queueMs: 1.5,
      computeMs: 2,
      batch: 4,
    })
    expect(small.info.networkMs).toBeGreaterThanOrEqual(0)
    expect(m.backend).toBe('cuda')

    const n = JSON_MAX_BYTES / 4 + 1
    for (const t of [
      { data: new Float32Array(n), dims: [n], dtype: 'float32' },
      { data: Uint16Array.of(0x3c00), dims: [1], dtype: 'float16' },
      { data: BigInt64Array.of(2n ** 60n), dims: [1], dtype: 'int64' },
    ] as Tensor[]) {
      await m.infer({ x: t })
      const last = seen.at(-1) as Seen
      expect(last.headers.get('content-type')).toBe('application/octet-stream')
      const headerLength = Number(last.headers.get('inference-header-content-length'))
      expect((last.body?.byteLength ?? 0) - headerLength).toBe(toBytes(t).byteLength)
    }
  })

  it('without server timing, the whole call is compute time', async () => {
    const { fetchFn } = scripted({ manifest, backend: 'cpu' }, () => binaryAnswer({}))
    const m = await edgeClient({ url: 'http://edge' }, fetchFn).open('m', 3, manifest)
    const { info } = await m.infer({ x: { data: Float32Array.of(1), dims: [1], dtype: 'float32' } })
    expect(info).toMatchObject({ placement: 'edge', backend: 'cpu', queueMs: 0, batch: 1 })
    expect(info.networkMs).toBeUndefined()
  })

  it('refuses an edge that cannot show it serves the same files, or answers for another version', async () => {
    const code = (p: Promise<unknown>) =>
      p.then(
        () => 'ok',
        (e: { code?: string }) => e.code,
      )
    const open = (meta: unknown) =>
      edgeClient({ url: 'http://edge' }, scripted(meta, () => binaryAnswer(timing)).fetchFn).open(
        'm',
        3,
        manifest,
      )
    expect(await code(open({ name: 'm', versions: ['3'] }))).toBe('EDGE_MISMATCH')
    expect(await code(open({ manifest: { ...manifest, version: 4 } }))).toBe('EDGE_MISMATCH')
    const other = { ...manifest, files: [{ ...manifest.files[0], digest: `sha256:${'b'.repeat(64)}` }] }
    expect(await code(open({ manifest: other }))).toBe('EDGE_MISMATCH')
    const m = await edgeClient(
      { url: 'http://edge' },
      scripted({ manifest }, () => binaryAnswer(timing, '4')).fetchFn,
    ).open('m', 3, manifest)
    expect(await code(m.infer({ x: { data: Float32Array.of(1), dims: [1], dtype: 'float32' } }))).toBe(
      'EDGE_MISMATCH',
    )
  })

  it('maps failures to codes: unreachable, the edge’s own coded errors, aborts', async () => {
    const code = (p: Promise<unknown>) =>
      p.then(
        () => 'ok',
        (e: { code?: string }) => e.code,
      )
    const down = (async () => {
      throw new TypeError('fetch failed')
    }) as typeof fetch
    expect(await code(edgeClient({ url: 'http://edge' }, down).open('m', 3, manifest))).toBe(
      'EDGE_UNREACHABLE',
    )
    const answering = (status: number, body: unknown) =>
      edgeClient({ url: 'http://edge' }, (async () => Response.json(body, { status })) as typeof fetch).open(
        'm',
        3,
        null,
      )
    expect(await code(answering(404, { error: 'no model "m"' }))).toBe('MODEL_NOT_FOUND')
    expect(await code(answering(401, { error: 'token', code: 'UNAUTHORIZED' }))).toBe('UNAUTHORIZED')
    expect(await code(answering(503, { error: 'down', code: 'REGISTRY_UNREACHABLE' }))).toBe(
      'REGISTRY_UNREACHABLE',
    )
    const hang = ((_: unknown, init?: RequestInit) =>
      new Promise((_r, reject) =>
        init?.signal?.addEventListener('abort', () => reject(new DOMException('x', 'AbortError'))),
      )) as typeof fetch
    expect(
      await code(edgeClient({ url: 'http://edge' }, hang).open('m', 3, null, AbortSignal.timeout(10))),
    ).toBe('ABORTED')
  })
})
