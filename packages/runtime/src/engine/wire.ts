/** Errors across postMessage: the class is lost, so errors travel as `{ code, message }` and are rebuilt. */
import { ERROR_CODES, errorFromBody, FerryError, hasErrorCode } from '@ferry/protocol'

/** A plain, cloneable form of any thrown value, keeping its Ferry code (INTERNAL when it has none). */
export function toWire(err: unknown): { code: string; message: string } {
  if (hasErrorCode(err)) return { code: err.code, message: err.message }
  return { code: 'INTERNAL', message: err instanceof Error ? err.message : String(err) }
}

/** The error every call gets once its runtime is closed (or closes while the call is pending). */
export const runtimeClosed = () => new FerryError('RUNTIME_CLOSED', 'the runtime was closed')

/** Rebuilds a FerryError from what `toWire` sent (or passes a FerryError through). */
export function fromWire(err: unknown): FerryError {
  if (err instanceof FerryError) return err
  if (hasErrorCode(err)) return errorFromBody(err, ERROR_CODES[err.code])
  return new FerryError('INTERNAL', err instanceof Error ? err.message : String(err))
}

/**
 * Below this many bytes, an array that spans its whole buffer is posted as it is: postMessage's clone of
 * it costs less than a copy plus a transfer (measured in Chromium: ~6 µs less per call at 32-256 bytes,
 * even at 1 KB, and worse past it).
 */
export const CLONE_MAX_BYTES = 1024

/**
 * The inputs as they should cross to the worker: each typed array replaced by a copy of just the bytes it
 * views, and those copies' buffers, to be transferred: one copy, where a structured clone makes two (and
 * of a view's whole buffer). Small arrays that span their own (non-shared) buffer go as they are, cloned
 * by postMessage (see CLONE_MAX_BYTES). The caller's arrays stay usable either way.
 */
export function copyInputs<T extends Record<string, unknown>>(inputs: T): [T, ArrayBuffer[]] {
  const out: Record<string, unknown> = {}
  const buffers: ArrayBuffer[] = []
  for (const k in inputs) {
    const v = inputs[k]
    const d = (ArrayBuffer.isView(v) ? v : (v as { data?: unknown } | null)?.data) as Uint8Array
    // (a DataView has no slice: it goes as it is, and the engine's checks refuse it)
    const small =
      d?.byteLength < CLONE_MAX_BYTES &&
      d.byteOffset === 0 &&
      d.buffer instanceof ArrayBuffer &&
      d.byteLength === d.buffer.byteLength
    if (!ArrayBuffer.isView(d) || !d.slice || small) {
      out[k] = v
      continue
    }
    const c = d.slice()
    buffers.push(c.buffer)
    out[k] = d === v ? c : { ...(v as object), data: c }
  }
  return [out as T, buffers]
}

/** The distinct buffers behind a set of tensors (`{ data }` or bare typed arrays), for a transfer list. */
export function buffersOf(tensors: Record<string, unknown>): ArrayBuffer[] {
  const set = new Set<ArrayBuffer>()
  for (const t of Object.values(tensors)) {
    const d = (ArrayBuffer.isView(t) ? t : (t as { data?: unknown } | null)?.data) as { buffer?: unknown }
    if (ArrayBuffer.isView(d) && d.buffer instanceof ArrayBuffer) set.add(d.buffer)
  }
  return [...set]
}
