/**
 * Bounded label values for client telemetry: model and version only when the registry knows them,
 * closed sets for everything else; whatever falls outside is `other`.
 */
import {
  BACKENDS,
  CACHE_ACTIONS,
  ENVS,
  errorCodeLabel,
  fallbackReasonLabel,
  LOAD_SOURCES,
  PLACEMENTS,
} from '@ferry/protocol'

export const OTHER = 'other'

/** A model the registry holds, with the versions it holds. */
export interface KnownModel {
  name: string
  versions: readonly number[]
}

/** Lists what the registry holds; called at most once per TTL, never per event. */
export type KnownModelsSource = () => Promise<Iterable<KnownModel>>

export interface KnownModelsOptions {
  /** How long a listing is trusted before a background refresh. Default 5 s. */
  ttlMs?: number
  /** Most `name@version` pairs kept; a registry past this counts the rest as `other`. Default 20,000. */
  maxEntries?: number
  now?: () => number
}

/**
 * A short-TTL cached set of the registry's `name@version` pairs. Lookups are synchronous; a stale set is
 * refreshed in the background (stale-while-revalidate), so ingest never waits on the store after the first
 * listing. A failing store keeps the last good set.
 */
export class KnownModels {
  private names = new Set<string>()
  private pairs = new Set<string>()
  private loadedAt = Number.NEGATIVE_INFINITY
  private inflight: Promise<void> | null = null
  private readonly ttlMs: number
  private readonly maxEntries: number
  private readonly now: () => number

  constructor(
    private readonly source: KnownModelsSource,
    options: KnownModelsOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? 5000
    this.maxEntries = options.maxEntries ?? 20_000
    this.now = options.now ?? Date.now
  }

  /** Resolves once a listing is available; later calls return at once and refresh a stale set behind. */
  ready(): Promise<void> | undefined {
    if (this.now() - this.loadedAt < this.ttlMs) return undefined
    const pending = this.refresh()
    return this.loadedAt === Number.NEGATIVE_INFINITY ? pending : undefined
  }

  /** Re-reads the registry now (shared by concurrent callers). */
  refresh(): Promise<void> {
    if (this.inflight) return this.inflight
    this.inflight = this.source()
      .then((models) => {
        const names = new Set<string>()
        const pairs = new Set<string>()
        outer: for (const m of models) {
          names.add(m.name)
          for (const v of m.versions) {
            if (pairs.size >= this.maxEntries) break outer
            pairs.add(`${m.name}@${v}`)
          }
        }
        this.names = names
        this.pairs = pairs
      })
      .catch(() => {
        // keep the last good set; an unreachable store must not stop ingest
      })
      .finally(() => {
        this.loadedAt = this.now()
        this.inflight = null
      })
    return this.inflight
  }

  /** The model label: the name if the registry knows it, else `other`. */
  model(name: string | undefined): string {
    return name !== undefined && this.names.has(name) ? name : OTHER
  }

  /** The version label: the number if the registry knows `name@version`, else `other`. */
  version(name: string | undefined, version: number | undefined): string {
    if (name === undefined || version === undefined) return OTHER
    return this.pairs.has(`${name}@${version}`) ? String(version) : OTHER
  }

  /** Number of `name@version` pairs known. */
  get size(): number {
    return this.pairs.size
  }
}

const closed = (set: readonly string[]) => {
  const s = new Set(set)
  return (v: string | undefined) => (v !== undefined && s.has(v) ? v : OTHER)
}

export const backendLabel = closed(BACKENDS)
export const sourceLabel = closed(LOAD_SOURCES)
export const cacheActionLabel = closed(CACHE_ACTIONS)
export const envLabel = closed(ENVS)
const placement = closed(PLACEMENTS)
/** Where it ran: `device` or `edge` (absent: `device`, as runtimes before placement sent it). */
export const placementLabel = (v: string | undefined) => placement(v ?? 'device')
export { errorCodeLabel, fallbackReasonLabel }
