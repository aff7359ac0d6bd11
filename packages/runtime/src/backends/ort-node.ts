/**
 * The ort-node backend (onnxruntime-node, a Node-API addon that Node and Deno load): `cuda` where the
 * installed build and the machine offer it (probed by creating a tiny session), else `cpu`. Its CPU
 * binaries ship in the npm package; an optional dependency: `ortNode()` resolves null when it is absent.
 */
import type { BackendName } from '@ferry/protocol'
import { type OrtLike, Serial, sessionOptions, wrapOrtSession } from './ort-session.js'
import { externalData } from './ort-web/backend.js'
import type { Backend, Probe } from './types.js'

/** An Identity model (x → y, float32 [1]): made with onnx-proto, used to probe a device. */
const PROBE_MODEL =
  'CAg6OwoQCgF4EgF5IghJZGVudGl0eRIFcHJvYmVaDwoBeBIKCggIARIECgIIAWIPCgF5EgoKCAgBEgQKAggBQgQKABAN'

export interface OrtNodeOptions {
  /** The onnxruntime-node module (default: imported on first use). */
  ort?: unknown
  /** Bytes the process holds now (e.g. `process.memoryUsage().rss`), to measure what a session holds. */
  memory?: () => number
  /** Intra-op threads per session (default: ONNX Runtime's, one per core). */
  threads?: number
}

const decode = (b64: string) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))

/** Creates the ort-node backend, or null where onnxruntime-node cannot be loaded. */
export async function ortNode(options: OrtNodeOptions = {}): Promise<Backend | null> {
  let ort: OrtLike & { env?: { logLevel?: string } }
  try {
    const m = (options.ort ?? (await import('onnxruntime-node'))) as { default?: unknown }
    ort = ((m.default as OrtLike | undefined)?.InferenceSession ? m.default : m) as OrtLike
  } catch {
    return null
  }
  // Failures come back as exceptions; ORT's own log would only repeat them on stderr (a cuda probe's).
  if (ort.env) ort.env.logLevel = 'fatal'
  const creates = new Serial()
  const probes = new Map<BackendName, Promise<Probe>>()
  const threads = options.threads ? { intraOpNumThreads: options.threads } : {}
  const create = (bytes: Uint8Array, ep: string, external: { path: string; data: Uint8Array }[] = []) =>
    creates.run(() => ort.InferenceSession.create(bytes, { ...sessionOptions(ep, external), ...threads }))

  const probe = (device: BackendName): Promise<Probe> => {
    if (device === 'cpu') return Promise.resolve({ ok: true })
    if (device !== 'cuda') return Promise.resolve({ ok: false, reason: `ort-node has no ${device} device` })
    let p = probes.get(device)
    if (!p) {
      p = create(decode(PROBE_MODEL), device).then(
        async (s) => {
          await s.release()
          return { ok: true } as const
        },
        (err: unknown) => ({ ok: false, reason: `no-cuda: ${firstLine(err)}` }) as const,
      )
      probes.set(device, p)
    }
    return p
  }

  return {
    name: 'ort-node',
    formats: ['onnx'],
    devices: ['cuda', 'cpu'],
    probe,
    async createSession(files, manifest, device) {
      const before = options.memory?.()
      const s = await create(files.model, device, externalData(files, manifest))
      const after = options.memory?.()
      const weights = manifest.files.reduce(
        (n, f) => n + (f.role === 'model' || f.role === 'external-data' ? f.size : 0),
        0,
      )
      const bytes =
        before === undefined || after === undefined ? undefined : Math.max(after - before, weights)
      return wrapOrtSession(ort, s, { device, ...(bytes === undefined ? {} : { bytes }) })
    },
  }
}

/** ANSI colour codes, as ONNX Runtime's messages carry them. */
const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g')

const firstLine = (err: unknown) =>
  (err instanceof Error ? err.message : String(err)).split('\n')[0]?.replace(ANSI, '').slice(0, 200) ?? ''
