/**
 * The manifest's closed sets, limits and helpers: plain values, no schema library, so the runtime's
 * bundles take them without valibot.
 */

import { FerryError } from './errors.js'
import type { FileEntry, Manifest } from './manifest.js'

/** ONNX Runtime's tensor type names. */
export const DTYPES = [
  'float32',
  'float16',
  'float64',
  'bfloat16',
  'int4',
  'uint4',
  'int8',
  'uint8',
  'int16',
  'uint16',
  'int32',
  'uint32',
  'int64',
  'uint64',
  'bool',
  'string',
] as const
export type Dtype = (typeof DTYPES)[number]

export const FILE_ROLES = ['model', 'external-data', 'labels', 'config'] as const
export type FileRole = (typeof FILE_ROLES)[number]

/**
 * Devices a backend can run a session on, by ONNX Runtime's execution-provider names: `webgpu` and
 * `wasm` (onnxruntime-web), `cpu` and `cuda` (onnxruntime-node). A closed list: telemetry labels stay bounded.
 */
export const BACKENDS = ['webgpu', 'wasm', 'cpu', 'cuda'] as const
export type BackendName = (typeof BACKENDS)[number]

/**
 * A manifest's `format` names the model format (`onnx`); a runtime backend must claim it, so a new format
 * (say `tflite`) needs a backend that reads it, not a protocol change.
 */
export const FORMAT_PATTERN = /^[a-z0-9][a-z0-9._-]{0,31}$/

/** True for a well-formed format name (`onnx`, `tflite`, …). */
export function isValidFormat(format: unknown): format is string {
  return typeof format === 'string' && FORMAT_PATTERN.test(format)
}

export const MAX_FILES = 64
export const MAX_TENSORS = 256
/** Largest `metadata`, in bytes of its JSON. */
export const MAX_METADATA_BYTES = 64 * 1024

/**
 * A dim the model leaves unnamed and unfixed (ONNX's empty `dim_param`). Unnamed dims are independent of
 * each other; only dims that share a name must agree.
 */
export const UNNAMED_DIM = '?'

/** Total bytes of a version's files. */
export function manifestSize(m: Pick<Manifest, 'files'>): number {
  return m.files.reduce((n, f) => n + f.size, 0)
}

/** The file whose role is `model`. */
export function modelFile(m: Pick<Manifest, 'files'>): FileEntry {
  const f = m.files.find((x) => x.role === 'model')
  if (!f) throw new FerryError('INVALID_MANIFEST', 'manifest has no file with role "model"')
  return f
}

/** Telemetry's closed sets (the collector's label values). */
export const FALLBACK_REASONS = [
  'no-webgpu-api',
  'no-adapter',
  'device-failed',
  'session-failed',
  'device-lost',
  'not-requested',
  'disabled',
  'software-adapter',
  'run-failed',
  // placement: device → edge
  'over-device-budget',
  'device-unavailable',
  'model-too-large',
  'offline-not-cached',
  'warm-start',
  // placement: edge → device
  'device-ready',
  'edge-unreachable',
] as const
/** Where a model runs: on the device (WebGPU, WASM) or on a Ferry Edge server. */
export const PLACEMENTS = ['device', 'edge'] as const
export type Placement = (typeof PLACEMENTS)[number]
export const CACHE_ACTIONS = ['hit', 'miss', 'evict', 'store', 'corrupt', 'quota'] as const
export const LOAD_SOURCES = ['network', 'cache', 'memory'] as const
export const ENVS = ['browser', 'worker', 'deno', 'node', 'other'] as const

/** Most events a telemetry batch may carry. */
export const MAX_EVENTS_PER_BATCH = 500

/** Earliest and latest event time accepted (`ts`, ms since 1970): 2020-01-01 and 2100-01-01, UTC. */
export const MIN_EVENT_TS = Date.UTC(2020, 0, 1)
export const MAX_EVENT_TS = Date.UTC(2100, 0, 1)
