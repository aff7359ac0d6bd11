/**
 * A light structural check of a manifest from the network, for the fields the runtime relies on.
 * The registry validates manifests fully (valibot) when they are published; the runtime repeats only
 * what keeps it safe, so the worker does not ship the schema library.
 */
import {
  BACKENDS,
  FerryError,
  FILE_ROLES,
  isSafeRelativePath,
  isValidDigest,
  isValidFormat,
  isValidName,
  type Manifest,
} from '@ferry/protocol'
import { DTYPE_NAMES } from '../tensors/dtypes.js'

const ROLES = new Set<string>(FILE_ROLES)
const BACKEND_SET = new Set<string>(BACKENDS)

type Obj = Record<string, unknown>
const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x)
const isInt = (x: unknown, min: number, max = Number.MAX_SAFE_INTEGER) =>
  Number.isSafeInteger(x) && (x as number) >= min && (x as number) <= max

function tensorProblem(t: unknown): string | null {
  if (!isObj(t) || typeof t.name !== 'string' || t.name.length === 0) return 'a tensor has no name'
  if (!DTYPE_NAMES.has(t.dtype as string)) return `tensor "${t.name}" has unknown dtype ${String(t.dtype)}`
  if (!Array.isArray(t.shape) || t.shape.length > 16) return `tensor "${t.name}" has no valid shape`
  const badDim = t.shape.some((d) => !(isInt(d, 0, 2 ** 31) || (typeof d === 'string' && d.length > 0)))
  return badDim ? `tensor "${t.name}" has an invalid dim` : null
}

function problem(m: unknown): string | null {
  if (!isObj(m)) return 'not an object'
  if (m.schemaVersion !== 1) return 'unsupported schemaVersion'
  if (!isValidFormat(m.format)) return 'invalid format'
  if (typeof m.name !== 'string' || !isValidName(m.name)) return 'invalid name'
  if (!isInt(m.version, 1)) return 'invalid version'
  if (!Array.isArray(m.files) || m.files.length === 0 || m.files.length > 64)
    return 'files must list 1 to 64 files'
  const paths = new Set<string>()
  let models = 0
  for (const f of m.files) {
    if (!isObj(f) || typeof f.path !== 'string' || !isSafeRelativePath(f.path))
      return 'a file has an unsafe path'
    if (!ROLES.has(f.role as string) || typeof f.digest !== 'string' || !isValidDigest(f.digest))
      return `file ${f.path} has an invalid role or digest`
    if (!isInt(f.size, 0)) return `file ${f.path} has an invalid size`
    if (paths.has(f.path)) return `file ${f.path} is listed twice`
    paths.add(f.path)
    if (f.role === 'model') models++
  }
  if (models !== 1) return 'exactly one file must have role "model"'
  for (const key of ['inputs', 'outputs'] as const) {
    const list = m[key]
    if (!Array.isArray(list) || list.length > 256) return `${key} must be a list`
    for (const t of list) {
      const p = tensorProblem(t)
      if (p) return `${key}: ${p}`
    }
  }
  const rt = m.runtime
  if (rt !== undefined) {
    if (!isObj(rt)) return 'runtime must be an object'
    if (
      rt.backends !== undefined &&
      !(Array.isArray(rt.backends) && rt.backends.every((b) => BACKEND_SET.has(b)))
    )
      return 'runtime.backends lists an unknown backend'
    const b = rt.batching
    if (b !== undefined && !(isObj(b) && isInt(b.maxBatchSize, 1, 4096) && typeof b.maxDelayMs === 'number'))
      return 'runtime.batching is invalid'
  }
  return null
}

/** Returns `input` as a Manifest, or throws INVALID_MANIFEST naming the first problem. */
export function checkManifest(input: unknown): Manifest {
  const p = problem(input)
  if (p) throw new FerryError('INVALID_MANIFEST', `invalid manifest from the registry: ${p}`)
  return input as Manifest
}
