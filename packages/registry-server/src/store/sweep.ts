/**
 * The periodic staging sweep every running registry instance runs (hardening finding 4): uploads that a
 * killed process never finished (fs temp files, S3 staging objects and multipart uploads) are removed once
 * they are older than any live upload can be. An upload lives at most the request timeout (its answer
 * comes only after its last byte), so the age is tied to that timeout.
 */
import { type RegistryLimits, resolveLimits } from '../limits.js'
import type { BlobStore } from './types.js'

export interface StagingSweepOptions {
  /** Staging older than this is a leftover. Default: `stagingMaxAgeMs(requestTimeoutMs)`. */
  maxAgeMs: number
  /** Time between sweeps. Default: a quarter of `maxAgeMs`, between 1 s and 5 min. */
  intervalMs?: number
  /** Told of each sweep that removed something, and of each failure (a sweep never throws). */
  onSwept?(removed: number): void
  onError?(err: unknown): void
}

export interface StagingSweep {
  /** Sweeps now (also while the timer waits); resolves how many leftovers went. */
  sweep(): Promise<number>
  stop(): void
}

/** The age past which staging is a leftover: the request timeout plus half of it again. */
export const stagingMaxAgeMs = (requestTimeoutMs: number): number => Math.ceil(requestTimeoutMs * 1.5)

/** Sweeps `store`'s staging now and then every `intervalMs`, until `stop()`. */
export function startStagingSweep(store: BlobStore, options: StagingSweepOptions): StagingSweep {
  const { maxAgeMs } = options
  const intervalMs = options.intervalMs ?? Math.min(5 * 60_000, Math.max(1000, maxAgeMs / 4))
  let timer: ReturnType<typeof setTimeout> | undefined
  let stopped = false
  let running: Promise<number> | null = null
  const sweep = (): Promise<number> => {
    running ??= store
      .sweepStaging(maxAgeMs)
      .then(
        (removed) => {
          if (removed > 0) options.onSwept?.(removed)
          return removed
        },
        (err: unknown) => {
          options.onError?.(err)
          return 0
        },
      )
      .finally(() => {
        running = null
      })
    return running
  }
  const schedule = () => {
    if (stopped) return
    timer = setTimeout(() => void sweep().finally(schedule), intervalMs)
    // Never keep a process alive just to sweep (Node and Deno timers both offer unref).
    ;(timer as { unref?: () => void }).unref?.()
  }
  void sweep().finally(schedule)
  return {
    sweep,
    stop() {
      stopped = true
      clearTimeout(timer)
    },
  }
}

/**
 * The sweep a serving adapter runs beside the app (Node's and Deno's `serve()`): its age tied to the app's
 * request timeout, failures logged; `false`: none.
 */
export function serverSweep(
  store: BlobStore,
  limits: Partial<RegistryLimits> | undefined,
  sweep: Partial<Omit<StagingSweepOptions, 'onError'>> | false | undefined,
): StagingSweep | null {
  if (sweep === false) return null
  return startStagingSweep(store, {
    maxAgeMs: stagingMaxAgeMs(resolveLimits(limits).requestTimeoutMs),
    ...sweep,
    onError: (err) => console.error(`ferry: staging sweep failed: ${(err as Error)?.message ?? err}`),
  })
}
