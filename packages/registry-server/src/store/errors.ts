/**
 * What a store's own failures mean to a client. A driver that fails with an operating-system error (the fs
 * driver's `ENOSPC`, `EROFS`, …) is translated here into the protocol's codes, with a message that names the
 * condition and never the path (the server log keeps the original).
 */
import { FerryError } from '@ferry/protocol'

/** Errors that mean the store has no room left. */
const FULL = new Set(['ENOSPC', 'EDQUOT', 'EFBIG'])
/** Errors that mean the store cannot be used right now (read-only, I/O error, out of descriptors, …). */
const UNAVAILABLE = new Set([
  'EROFS',
  'EIO',
  'EACCES',
  'EPERM',
  'EMFILE',
  'ENFILE',
  'EBUSY',
  'EAGAIN',
  'ESTALE',
  'ENOTCONN',
  'ETIMEDOUT',
])

const codeOf = (err: unknown): string | undefined => {
  const code = (err as { code?: unknown } | null)?.code
  return typeof code === 'string' ? code : undefined
}

/**
 * The client-facing error for a store failure: 507 STORE_FULL when the store is out of space, 503
 * STORE_UNAVAILABLE when it cannot be written or read right now; null when `err` is not a store condition.
 */
export function storeFailure(err: unknown): FerryError | null {
  if (err instanceof FerryError) return null
  const code = codeOf(err)
  if (code === undefined) return null
  if (FULL.has(code)) {
    return new FerryError(
      'STORE_FULL',
      `the registry's store is out of space (${code}); nothing was stored. Free space on the registry's volume, then retry`,
      { cause: err },
    )
  }
  if (UNAVAILABLE.has(code)) {
    return new FerryError(
      'STORE_UNAVAILABLE',
      `the registry's store cannot be used right now (${code}); nothing was changed. Retry later`,
      { cause: err },
    )
  }
  return null
}
