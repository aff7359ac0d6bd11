/** Errors across postMessage: the class is lost, so errors travel as `{ code, message }` and are rebuilt. */
import { ERROR_CODES, errorFromBody, FerryError, hasErrorCode } from '@ferry/protocol'

/** A plain, cloneable form of any thrown value, keeping its Ferry code (INTERNAL when it has none). */
export function toWire(err: unknown): { code: string; message: string } {
  if (hasErrorCode(err)) return { code: err.code, message: err.message }
  return { code: 'INTERNAL', message: err instanceof Error ? err.message : String(err) }
}

/** Rebuilds a FerryError from what `toWire` sent (or passes a FerryError through). */
export function fromWire(err: unknown): FerryError {
  if (err instanceof FerryError) return err
  if (hasErrorCode(err)) return errorFromBody(err, ERROR_CODES[err.code])
  return new FerryError('INTERNAL', err instanceof Error ? err.message : String(err))
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
