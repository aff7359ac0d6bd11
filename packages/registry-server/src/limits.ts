/** The registry's configurable limits and their defaults. */

export interface RegistryLimits {
  /** Largest blob accepted by `POST /v1/blobs`, in bytes (413 past it). Default 4 GiB. */
  maxBlobBytes: number
  /** Largest JSON body (manifest draft, alias) in bytes (413 past it). Default 1 MiB. */
  maxManifestBytes: number
  /** Time a request may take until its response starts, in ms (408 TIMEOUT past it). Default 10 min. */
  requestTimeoutMs: number
}

export const DEFAULT_LIMITS: Readonly<RegistryLimits> = Object.freeze({
  maxBlobBytes: 4 * 1024 ** 3,
  maxManifestBytes: 1024 ** 2,
  requestTimeoutMs: 10 * 60_000,
})

/** Fills unset limits with the defaults. */
export function resolveLimits(limits: Partial<RegistryLimits> = {}): RegistryLimits {
  const out = { ...DEFAULT_LIMITS }
  for (const k of Object.keys(out) as (keyof RegistryLimits)[]) {
    const v = limits[k]
    if (v !== undefined) {
      if (!(Number.isFinite(v) && v > 0)) throw new RangeError(`limit ${k} must be a positive number`)
      out[k] = v
    }
  }
  return out
}
