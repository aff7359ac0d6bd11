/**
 * Ferry Edge as the placement calls it, over the Open Inference Protocol's REST API: a version's metadata
 * (checked against the registry's manifest: same files, same digests) and inference with Triton's binary
 * tensor extension (JSON for small inputs), typed arrays in and out as the device path gives them.
 */
import { type BackendName, FerryError, isErrorCode, type Manifest } from '@ferry/protocol'
import {
  checkShape,
  dtypeOf,
  fromBytes,
  fromValues,
  HEADER_LENGTH,
  joinBody,
  oipDatatype,
  splitBody,
  toBytes,
  toJsonData,
} from '@ferry/protocol/oip'
import type { RunInfo } from '../api/types.js'
import type { Outputs, Tensor } from '../tensors/tensor.js'

/** Inputs up to this many bytes (in all) travel as JSON; larger ones, and FP16/BF16, as binary. */
export const JSON_MAX_BYTES = 4096

/** One version on the edge, checked: what it answers and how to call it. */
export interface EdgeModel {
  /** The edge's base URL. */
  url: string
  version: number
  /** The backend the edge runs it on (it may change after a fallback there). */
  backend: BackendName
  /** The edge's manifest of this version (its files are the registry's, when one was given to check). */
  manifest: Manifest
  /** One call; `signal` aborts the request. */
  infer(inputs: Record<string, Tensor>, signal?: AbortSignal): Promise<{ outputs: Outputs; info: RunInfo }>
}

const msg = (e: unknown) => (e instanceof Error ? e.message : String(e))
const aborted = () => new FerryError('ABORTED', 'the request was aborted')

/** `path digest` of each file, sorted: two manifests with the same list run the same model. */
const fileList = (m: Pick<Manifest, 'files'>) =>
  m.files
    .map((f) => `${f.path} ${f.digest}`)
    .sort()
    .join('\n')

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER)
/** True when 64-bit integers can go as JSON numbers without losing digits. */
const safeInts = (t: Tensor) =>
  !(t.data instanceof BigInt64Array || t.data instanceof BigUint64Array) ||
  (t.data as BigInt64Array).every((v) => v <= MAX_SAFE && -v <= MAX_SAFE)

const byteSize = (t: Tensor) => (Array.isArray(t.data) ? t.data.join('').length : t.data.byteLength)

/** A FerryError from the edge's error answer (`{"error": "…", "code": "…"}`). */
async function errorOf(res: Response, url: string): Promise<FerryError> {
  const body = (await res.json().catch(() => null)) as { error?: unknown; code?: unknown } | null
  const text = typeof body?.error === 'string' ? body.error : `status ${res.status}`
  const code = isErrorCode(body?.code)
    ? body.code
    : res.status === 404
      ? 'MODEL_NOT_FOUND'
      : res.status === 429
        ? 'QUEUE_FULL'
        : res.status >= 500
          ? 'INFERENCE_FAILED'
          : 'BAD_REQUEST'
  return new FerryError(code, `Ferry Edge at ${url}: ${text}`, { status: res.status })
}

/** A client for the edge at `target.url` (its bearer token, if any, on every call). */
export function edgeClient(target: { url: string; token?: string | undefined }, fetchFn: typeof fetch) {
  const base = target.url.endsWith('/') ? target.url : `${target.url}/`
  const auth: Record<string, string> = target.token ? { authorization: `Bearer ${target.token}` } : {}

  const request = async (path: string, init: RequestInit): Promise<Response> => {
    let res: Response
    try {
      res = await fetchFn(new URL(path, base).href, { ...init, headers: { ...auth, ...init.headers } })
    } catch (err) {
      if (init.signal?.aborted) throw aborted()
      throw new FerryError('EDGE_UNREACHABLE', `Ferry Edge at ${target.url} is unreachable: ${msg(err)}`, {
        cause: err,
      })
    }
    if (!res.ok) throw await errorOf(res, target.url)
    return res
  }

  /** Runs one call on `name@version`. */
  const infer = async (
    m: EdgeModel,
    inputs: Record<string, Tensor>,
    signal?: AbortSignal,
  ): Promise<{ outputs: Outputs; info: RunInfo }> => {
    const list = Object.entries(inputs)
    const json =
      list.reduce((n, [, t]) => n + byteSize(t), 0) <= JSON_MAX_BYTES &&
      list.every(([, t]) => t.dtype !== 'float16' && t.dtype !== 'bfloat16' && safeInts(t))
    const blobs: Uint8Array[] = []
    const parts = list.map(([name, t]) => {
      const head = `{"name":${JSON.stringify(name)},"datatype":"${oipDatatype(t.dtype)}","shape":${JSON.stringify(t.dims)}`
      if (json) return `${head},"data":${toJsonData(t)}}`
      const bytes = toBytes(t)
      blobs.push(bytes)
      return `${head},"parameters":{"binary_data_size":${bytes.byteLength}}}`
    })
    // Every output comes back binary: exact (int64 past 2^53 too), and no float text to parse.
    const header = `{"inputs":[${parts.join(',')}],"parameters":{"binary_data_output":true}}`
    const joined = json ? null : joinBody(header, blobs)
    const t0 = performance.now()
    const res = await request(
      `v2/models/${encodeURIComponent(m.manifest.name)}/versions/${m.version}/infer`,
      {
        method: 'POST',
        // JSON as text/plain: a request without a CORS preflight (the edge reads the body whatever its type).
        headers: joined
          ? { 'content-type': 'application/octet-stream', [HEADER_LENGTH]: String(joined.headerLength) }
          : { 'content-type': 'text/plain' },
        body: (joined?.body ?? header) as BodyInit,
        ...(signal ? { signal } : {}),
      },
    )
    let raw: Uint8Array
    try {
      raw = new Uint8Array(await res.arrayBuffer())
    } catch (err) {
      if (signal?.aborted) throw aborted()
      throw new FerryError('EDGE_UNREACHABLE', `Ferry Edge at ${m.url}: the answer was cut off: ${msg(err)}`)
    }
    const totalMs = performance.now() - t0
    const { json: body, binary } = splitBody(
      raw,
      res.headers.get(HEADER_LENGTH) ?? undefined,
      "Ferry Edge's answer",
    )
    const answer = body as {
      model_version?: unknown
      parameters?: Record<string, unknown>
      outputs?: {
        name: string
        datatype: string
        shape: unknown
        data?: unknown
        parameters?: Record<string, unknown>
      }[]
    }
    if (answer?.model_version !== String(m.version))
      throw new FerryError(
        'EDGE_MISMATCH',
        `Ferry Edge at ${m.url} answered for version ${String(answer?.model_version)} of ${m.manifest.name}, not ${m.version}`,
      )
    const outputs: Outputs = {}
    let at = 0
    for (const o of answer.outputs ?? []) {
      const dtype = dtypeOf(o.datatype)
      if (!dtype)
        throw new FerryError(
          'INFERENCE_FAILED',
          `Ferry Edge at ${m.url}: output "${o.name}" has datatype ${o.datatype}`,
        )
      const dims = checkShape(o.name, o.shape, 'output')
      const size = o.parameters?.binary_data_size
      if (typeof size === 'number') {
        outputs[o.name] = fromBytes(
          o.name,
          dtype,
          dims,
          binary?.subarray(at, at + size) ?? new Uint8Array(0),
          'output',
        )
        at += size
      } else outputs[o.name] = fromValues(o.name, dtype, dims, o.data, 'output')
    }
    const p = answer.parameters ?? {}
    const num = (k: string) => (typeof p[k] === 'number' ? (p[k] as number) : undefined)
    if (typeof p.backend === 'string') m.backend = p.backend as BackendName
    const queueMs = num('queue_ms')
    const computeMs = num('compute_ms')
    const info: RunInfo =
      queueMs !== undefined && computeMs !== undefined
        ? {
            placement: 'edge',
            backend: m.backend,
            queueMs,
            computeMs,
            batch: num('batch_size') ?? 1,
            networkMs: Math.max(0, totalMs - queueMs - computeMs),
          }
        : { placement: 'edge', backend: m.backend, queueMs: 0, computeMs: totalMs, batch: 1 }
    return { outputs, info }
  }

  return {
    url: target.url,

    /**
     * Opens `name` at `version` on the edge (which loads it if it must). With `expected` (the registry's
     * manifest) the edge must serve that very version, file for file, digest for digest: EDGE_MISMATCH
     * otherwise. Without one (the registry was unreachable), the edge's own manifest is taken.
     */
    async open(
      name: string,
      version: number | string,
      expected: Manifest | null,
      signal?: AbortSignal,
    ): Promise<EdgeModel> {
      const path = `v2/models/${encodeURIComponent(name)}/versions/${encodeURIComponent(String(version))}`
      const res = await request(path, signal ? { signal } : {})
      const meta = (await res.json().catch(() => null)) as {
        manifest?: Manifest
        backend?: BackendName
      } | null
      const m = meta?.manifest
      const where = `Ferry Edge at ${target.url}`
      if (!m || typeof m !== 'object' || !Array.isArray(m.files) || !Array.isArray(m.inputs))
        throw new FerryError(
          'EDGE_MISMATCH',
          `${where} does not say which files it serves for ${name}@${version} (no "manifest" in its model metadata: not a Ferry Edge server?), so it cannot be checked`,
        )
      if (m.name !== name || (expected && m.version !== expected.version))
        throw new FerryError(
          'EDGE_MISMATCH',
          `${where} answered with ${m.name}@${m.version} for ${name}@${expected?.version ?? version}`,
        )
      if (expected && fileList(m) !== fileList(expected))
        throw new FerryError(
          'EDGE_MISMATCH',
          `${where} serves ${name}@${m.version} with other files than the registry's (registry: ${fileList(expected).replace(/\n/g, ', ')}; edge: ${fileList(m).replace(/\n/g, ', ')})`,
        )
      const model: EdgeModel = {
        url: target.url,
        version: m.version,
        backend: meta?.backend ?? 'cpu',
        manifest: expected ?? m,
        infer: (inputs, s) => infer(model, inputs, s),
      }
      return model
    },
  }
}

export type EdgeClient = ReturnType<typeof edgeClient>
