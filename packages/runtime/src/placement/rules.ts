/**
 * The placement rules that need no I/O: whether a model fits the device's budgets, which device failures
 * send a model to the edge (and the fallback reason they give), and the error when neither side can run it.
 */
import { type BackendName, FerryError, hasErrorCode, type Manifest, manifestSize } from '@ferry/protocol'

export const codeOf = (e: unknown): string => (e as { code?: string } | null)?.code ?? 'INTERNAL'
export const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e))

/** The registry cannot be reached and this device does not hold what is asked for. */
export const OFFLINE: ReadonlySet<string> = new Set(['REGISTRY_UNREACHABLE', 'NOT_CACHED_OFFLINE'])

/**
 * Errors that are the caller's (bad inputs, an abort, a closed runtime, a model that does not exist) or a
 * full queue: the same call would fail on the edge, so they never move a model.
 */
const CALLER: ReadonlySet<string> = new Set([
  'BAD_REQUEST',
  'INVALID_NAME',
  'INVALID_VERSION',
  'INVALID_MANIFEST',
  'MODEL_NOT_FOUND',
  'VERSION_NOT_FOUND',
  'ALIAS_NOT_FOUND',
  'INPUT_NAME',
  'INPUT_MISSING',
  'DTYPE_MISMATCH',
  'SHAPE_MISMATCH',
  'ABORTED',
  'QUEUE_FULL',
  'MODEL_UNLOADED',
  'RUNTIME_CLOSED',
])

/**
 * Why a device failure (of a load or a run) sends a model to the edge, as a fallback reason, or null when
 * it must not (see CALLER). The worker crashing on the model three times is `model-too-large`; the registry
 * unreachable with the version not cached is `offline-not-cached`; anything else the device could not do
 * (no backend could create or run the session, a crash, bytes that failed their check) is `device-unavailable`.
 */
export function deviceReason(err: unknown): string | null {
  const code = codeOf(err)
  if (CALLER.has(code)) return null
  const head =
    code === 'MODEL_TOO_LARGE'
      ? 'model-too-large'
      : OFFLINE.has(code)
        ? 'offline-not-cached'
        : 'device-unavailable'
  return `${head}: ${messageOf(err)}`
}

/** The device's budgets for one model's bytes: its live-session pool's and its bytes cache's. */
export interface DeviceBudget {
  sessions: number
  cache: number
}

/** `over-device-budget: …` when `manifest`'s files exceed either budget, else null. */
export function overBudget(manifest: Pick<Manifest, 'files'>, budget: DeviceBudget): string | null {
  const size = manifestSize(manifest)
  const [which, limit] =
    budget.sessions <= budget.cache ? ['session', budget.sessions] : ['cache', budget.cache]
  return size > limit ? `over-device-budget: ${size} bytes > the ${which} budget of ${limit} bytes` : null
}

/** The device a model would have tried first: the runtime's first choice, else the manifest's, else WASM. */
export function firstDevice(
  manifest: Pick<Manifest, 'runtime'>,
  preferred?: readonly BackendName[],
): BackendName {
  return preferred?.[0] ?? manifest.runtime?.backends?.[0] ?? 'wasm'
}

/**
 * The error when neither side can run `key`: the edge's own (EDGE_UNREACHABLE when it could not be
 * reached, EDGE_MISMATCH, or what it answered), with why the device cannot in its message.
 */
export function neither(key: string, deviceWhy: string, edgeErr: unknown): FerryError {
  return new FerryError(
    hasErrorCode(edgeErr) ? edgeErr.code : 'EDGE_UNREACHABLE',
    `${messageOf(edgeErr)}; and the device cannot run ${key}: ${deviceWhy}`,
    { cause: edgeErr },
  )
}
