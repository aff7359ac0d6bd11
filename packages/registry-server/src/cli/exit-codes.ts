/** The `ferry` CLI's exit codes: one per kind of failure, so scripts can tell them apart. */
import { ERROR_CODES, FerryError, hasErrorCode } from '@ferry/protocol'

/**
 * | code | meaning |
 * | --- | --- |
 * | 0 | success |
 * | 1 | unexpected failure (a bug, an I/O error) |
 * | 2 | usage: bad arguments, invalid model name / alias / version |
 * | 3 | registry unreachable (connection refused, DNS, timeout) |
 * | 4 | authentication: token missing (401) or refused (403) |
 * | 5 | not found on the registry: model, version, alias or blob (404) |
 * | 6 | conflict: e.g. deleting a version an alias points to (409) |
 * | 7 | bad local file: missing, unreadable, or not an ONNX model |
 * | 8 | the registry rejected the request (other 4xx: invalid manifest, digest mismatch, too large) |
 * | 9 | the registry failed (5xx) or answered something that is not the Ferry API |
 */
export const EXIT = {
  OK: 0,
  FAILURE: 1,
  USAGE: 2,
  UNREACHABLE: 3,
  AUTH: 4,
  NOT_FOUND: 5,
  CONFLICT: 6,
  BAD_FILE: 7,
  REJECTED: 8,
  SERVER: 9,
} as const

/** A mistake on the command line found before anything is sent (exit 2); code BAD_REQUEST. */
export class UsageError extends FerryError {
  constructor(message: string) {
    super('BAD_REQUEST', message)
  }
}

/** The exit code for an error thrown by a command. */
export function exitCodeFor(err: unknown): number {
  if (err instanceof UsageError) return EXIT.USAGE
  if (!hasErrorCode(err)) return EXIT.FAILURE
  const code = err.code
  const status = (err as { status?: number }).status ?? ERROR_CODES[code]
  switch (code) {
    case 'REGISTRY_UNREACHABLE':
      return EXIT.UNREACHABLE
    case 'UNAUTHORIZED':
    case 'FORBIDDEN':
      return EXIT.AUTH
    case 'FILE_NOT_FOUND':
    case 'NOT_ONNX':
      return EXIT.BAD_FILE
    case 'INVALID_NAME':
    case 'INVALID_ALIAS':
    case 'INVALID_VERSION':
      return EXIT.USAGE
    case 'REGISTRY_ERROR':
      return EXIT.SERVER
  }
  if (status === 404) return EXIT.NOT_FOUND
  if (status === 409) return EXIT.CONFLICT
  if (status >= 400 && status < 500) return EXIT.REJECTED
  if (status >= 500) return EXIT.SERVER
  return EXIT.FAILURE
}
