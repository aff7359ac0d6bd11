/** Stable error codes and the error type that carries them across HTTP and worker boundaries. */

export const ERROR_CODES = {
  // request shape
  BAD_REQUEST: 400,
  INVALID_JSON: 400,
  INVALID_NAME: 400,
  INVALID_ALIAS: 400,
  INVALID_VERSION: 400,
  INVALID_DIGEST: 400,
  INVALID_MANIFEST: 400,
  INVALID_TELEMETRY: 400,
  INVALID_RANGE: 400,
  // auth
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  // lookups
  NOT_FOUND: 404,
  MODEL_NOT_FOUND: 404,
  VERSION_NOT_FOUND: 404,
  ALIAS_NOT_FOUND: 404,
  BLOB_NOT_FOUND: 404,
  // state
  ALIAS_IN_USE: 409,
  VERSION_CONFLICT: 409,
  BLOB_MISSING: 422,
  DIGEST_MISMATCH: 422,
  PAYLOAD_TOO_LARGE: 413,
  RANGE_NOT_SATISFIABLE: 416,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  TIMEOUT: 408,
  INTERNAL: 500,
  STORE_UNAVAILABLE: 503,
  STORE_FULL: 507,
  SERVER_BUSY: 503,
  // client-side (runtime, CLI)
  REGISTRY_UNREACHABLE: 503,
  REGISTRY_ERROR: 502,
  INTEGRITY_MISMATCH: 422,
  BACKEND_UNAVAILABLE: 503,
  ABORTED: 499,
  QUEUE_FULL: 429,
  INPUT_NAME: 400,
  INPUT_MISSING: 400,
  DTYPE_MISMATCH: 400,
  SHAPE_MISMATCH: 400,
  NOT_CACHED_OFFLINE: 503,
  QUOTA_EXCEEDED: 507,
  MODEL_UNLOADED: 410,
  RUNTIME_CLOSED: 410,
  INFERENCE_FAILED: 500,
  WORKER_CRASHED: 503,
  MODEL_TOO_LARGE: 507,
  // placement (device or edge)
  EDGE_UNREACHABLE: 503,
  EDGE_MISMATCH: 502,
  NOT_ONNX: 400,
  FILE_NOT_FOUND: 404,
} as const

export type ErrorCode = keyof typeof ERROR_CODES

export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.hasOwn(ERROR_CODES, code)
}

/** The JSON body of every error answer: `{"error":{"code","message"}}`. */
export interface ErrorBody {
  error: { code: ErrorCode | string; message: string; details?: unknown }
}

/**
 * Ferry's one error type. `code` is stable and survives `postMessage` and JSON (the class does not);
 * test on `code`, never on `instanceof`.
 */
export class FerryError extends Error {
  override readonly name = 'FerryError'
  readonly code: ErrorCode
  readonly status: number
  readonly details?: unknown

  constructor(
    code: ErrorCode,
    message: string,
    options?: { status?: number; details?: unknown; cause?: unknown },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.status = options?.status ?? ERROR_CODES[code]
    if (options?.details !== undefined) this.details = options.details
  }

  toJSON(): ErrorBody {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.details === undefined ? {} : { details: this.details }),
      },
    }
  }
}

/** True for anything that carries a Ferry error code, whatever its class (e.g. after crossing a worker). */
export function hasErrorCode(err: unknown, code?: ErrorCode): err is { code: ErrorCode; message: string } {
  if (typeof err !== 'object' || err === null) return false
  const c = (err as { code?: unknown }).code
  return isErrorCode(c) && (code === undefined || c === code)
}

/** Rebuilds a FerryError from an error body (HTTP) or a plain `{code, message}` (worker). */
export function errorFromBody(body: unknown, fallbackStatus = 500): FerryError {
  const e = (body as ErrorBody | undefined)?.error ?? (body as { code?: unknown; message?: unknown })
  const code = isErrorCode(e?.code) ? e.code : 'INTERNAL'
  const message = typeof e?.message === 'string' ? e.message : `request failed with status ${fallbackStatus}`
  return new FerryError(code, message, { status: fallbackStatus })
}
