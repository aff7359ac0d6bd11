/**
 * Which model versions the server serves: loads them at start or on first request, follows the aliases
 * it serves by polling the registry with If-None-Match, and swaps versions without failing a request
 * (the new one loads beside the old; new requests switch once it is ready; the old one drains, then
 * unloads). A failed reload keeps the old version serving (Triton's rule).
 */
import { FerryError, isValidAlias, isValidName, LATEST, paths } from '@ferry/protocol'
import type { Batching, EdgeEngine, LoadedModel } from '../engine.js'
import type { EdgeMetrics } from '../metrics/metrics.js'

export interface ManagerOptions {
  registry: string
  fetch: typeof fetch
  /** Alias polling period in ms (0: never re-check). */
  pollMs: number
  /** The alias a request without a version follows when the model has it (else `latest`). */
  defaultAlias: string
  /** Load models on their first request (else only `--models` and the repository API load). */
  onDemand: boolean
  /** Per-model batching overrides. */
  batching: ReadonlyMap<string, Batching | false>
  log: (line: string) => void
}

/** A version in service and the requests running on it. */
interface Slot {
  model: LoadedModel
  inflight: number
  drained: (() => void) | null
}

/** One served (model, selector): a pinned version or an alias the server follows. */
interface Entry {
  name: string
  /** A version number, or the alias it follows. */
  selector: number | string
  current: Slot | null
  loading: Promise<Slot> | null
  etag: string | null
  switching: boolean
  lastError: string | null
}

/** A request's hold on a version: release it when the answer is sent. */
export interface Lease {
  model: LoadedModel
  release(): void
}

/** `{v}` from a URL or gRPC field: a version number, an alias, or absent (''). */
export function parseSelector(version: string | undefined): number | string | null {
  if (version === undefined || version === '') return null
  if (/^[0-9]+$/.test(version)) {
    const n = Number(version)
    if (Number.isSafeInteger(n) && n >= 1) return n
  }
  if (!isValidAlias(version))
    throw new FerryError(
      'INVALID_VERSION',
      `"${version}" is neither a version number (1, 2, …) nor an alias name (such as "stable")`,
    )
  return version
}

function checkName(name: string): void {
  if (!isValidName(name))
    throw new FerryError(
      'INVALID_NAME',
      `"${name}" is not a model name (lowercase letters, digits, ".", "_", "-"; at most 64)`,
    )
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e))
const code = (e: unknown) => (e as { code?: string })?.code

export class ModelManager {
  private readonly entries = new Map<string, Entry>()
  /** Name → the alias a version-less request follows (resolved once). */
  private readonly defaults = new Map<string, string>()
  private readonly resolving = new Map<string, Promise<string>>()
  /** Models unloaded through the repository API: not loaded on demand again until loaded explicitly. */
  private readonly held = new Set<string>()
  private timer: ReturnType<typeof setInterval> | undefined
  private polling = false
  private closed = false

  constructor(
    private readonly engine: EdgeEngine,
    private readonly metrics: EdgeMetrics,
    private readonly opts: ManagerOptions,
  ) {
    if (opts.pollMs > 0) {
      this.timer = setInterval(() => void this.poll(), opts.pollMs)
      ;(this.timer as { unref?: () => void }).unref?.()
    }
  }

  private key(name: string, selector: number | string) {
    return `${name}@${selector}`
  }

  /** The selector a version-less request uses: the default alias when the model has it, else `latest`. */
  private async defaultSelector(name: string, load: boolean): Promise<string> {
    const known = this.defaults.get(name)
    if (known) return known
    if (this.entries.get(this.key(name, this.opts.defaultAlias))?.current) return this.opts.defaultAlias
    if (!load) return this.opts.defaultAlias
    // Concurrent first requests share one resolution.
    let pending = this.resolving.get(name)
    if (!pending) {
      pending = this.resolveDefault(name).finally(() => this.resolving.delete(name))
      this.resolving.set(name, pending)
    }
    return pending
  }

  private async resolveDefault(name: string): Promise<string> {
    try {
      await this.slot(name, this.opts.defaultAlias, true)
      this.defaults.set(name, this.opts.defaultAlias)
      return this.opts.defaultAlias
    } catch (e) {
      if (this.opts.defaultAlias === LATEST) throw e
      if (code(e) !== 'ALIAS_NOT_FOUND' && code(e) !== 'NOT_CACHED_OFFLINE') throw e
      this.defaults.set(name, LATEST)
      return LATEST
    }
  }

  private async slot(name: string, selector: number | string, load: boolean): Promise<Slot> {
    const key = this.key(name, selector)
    let entry = this.entries.get(key)
    if (entry?.current) return entry.current
    if (!entry) {
      if (!load)
        throw new FerryError(
          'MODEL_NOT_FOUND',
          this.held.has(name)
            ? `model "${name}" was unloaded; load it with POST /v2/repository/models/${name}/load`
            : `model "${name}" (${selector}) is not loaded on this server`,
        )
      entry = { name, selector, current: null, loading: null, etag: null, switching: false, lastError: null }
      this.entries.set(key, entry)
    }
    const e = entry
    e.loading ??= this.loadVersion(name, selector).then(
      (slot) => {
        e.current = slot
        e.loading = null
        e.lastError = null
        return slot
      },
      (err) => {
        e.loading = null
        e.lastError = message(err)
        if (!e.current) this.entries.delete(key)
        throw err
      },
    )
    return e.loading
  }

  private async loadVersion(name: string, selector: number | string): Promise<Slot> {
    const t0 = performance.now()
    const batching = this.opts.batching.get(name)
    try {
      const model = await this.engine.load(name, selector, batching === undefined ? {} : { batching })
      this.metrics.loaded(name, model.version)
      this.metrics.loads.inc({ model: name, outcome: 'success' })
      this.metrics.loadDuration.observe({ model: name }, (performance.now() - t0) / 1000)
      const fallback = model.fallback ? ` (not ${model.fallback.from}: ${model.fallback.reason})` : ''
      this.opts.log(`${name}@${model.version} loaded (${selector}) on ${model.backend}${fallback}`)
      return { model, inflight: 0, drained: null }
    } catch (err) {
      // Only names the registry knows become labels (bounded): a failed first load counts as `other`.
      this.metrics.loads.inc({ model: this.metrics.label(name), outcome: 'failure' })
      this.opts.log(`${name} (${selector}) failed to load: ${message(err)}`)
      throw err
    }
  }

  /**
   * Holds the version a request for `name` / `version` (number, alias, or none) runs on, loading it first
   * when the server may. Release the lease once the answer is built.
   */
  async acquire(name: string, version?: string): Promise<Lease> {
    checkName(name)
    const sel = parseSelector(version)
    const onDemand = this.opts.onDemand && !this.held.has(name)
    const selector = sel ?? (await this.defaultSelector(name, onDemand))
    const slot = await this.slot(name, selector, onDemand)
    slot.inflight++
    let done = false
    return {
      model: slot.model,
      release: () => {
        if (done) return
        done = true
        slot.inflight--
        if (slot.inflight === 0) slot.drained?.()
      },
    }
  }

  /** The loaded version for `name` / `version`, if any (no loading). */
  peek(name: string, version?: string): LoadedModel | null {
    if (!isValidName(name)) return null
    let sel: number | string | null
    try {
      sel = parseSelector(version)
    } catch {
      return null
    }
    const selector = sel ?? this.defaults.get(name) ?? this.opts.defaultAlias
    const direct = this.entries.get(this.key(name, selector))?.current?.model
    if (direct) return direct
    // A version number also matches a version some alias entry serves now.
    if (typeof selector === 'number')
      for (const e of this.entries.values())
        if (e.name === name && e.current?.model.version === selector) return e.current.model
    return null
  }

  /** Loads (or reloads) `name` as a version-less request would use it (repository load). */
  async load(name: string, version?: string): Promise<LoadedModel> {
    checkName(name)
    this.held.delete(name)
    const sel = parseSelector(version)
    if (sel === null) this.defaults.delete(name)
    const selector = sel ?? (await this.defaultSelector(name, true))
    const entry = this.entries.get(this.key(name, selector))
    if (entry?.current && typeof selector === 'string') await this.check(entry, true)
    return (await this.slot(name, selector, true)).model
  }

  /** Unloads every version of `name` once its requests finished (repository unload). */
  async unload(name: string): Promise<void> {
    checkName(name)
    const mine = [...this.entries.values()].filter((e) => e.name === name)
    if (mine.length === 0 && !this.defaults.has(name))
      throw new FerryError('MODEL_NOT_FOUND', `model "${name}" is not loaded on this server`)
    this.held.add(name)
    this.defaults.delete(name)
    for (const e of mine) {
      this.entries.delete(this.key(e.name, e.selector))
      if (e.current) await this.retire(e.current)
    }
  }

  /** Waits for a slot's requests, then unloads it. */
  private async retire(slot: Slot): Promise<void> {
    if (slot.inflight > 0) await new Promise<void>((resolve) => (slot.drained = resolve))
    await this.engine.unload(slot.model).catch(() => {})
    this.metrics.unloads.inc({ model: slot.model.name })
    this.opts.log(`${slot.model.name}@${slot.model.version} unloaded`)
  }

  /** Every served (model, selector) and its state, for the repository index. */
  entriesNow(): {
    name: string
    selector: number | string
    model: LoadedModel | null
    lastError: string | null
  }[] {
    return [...this.entries.values()].map((e) => ({
      name: e.name,
      selector: e.selector,
      model: e.current?.model ?? null,
      lastError: e.lastError,
    }))
  }

  /** Loaded versions (one per served entry). */
  loaded(): LoadedModel[] {
    return [...this.entries.values()].flatMap((e) => (e.current ? [e.current.model] : []))
  }

  /** Re-checks every followed alias now (the timer calls this every `pollMs`). */
  async poll(): Promise<void> {
    if (this.polling || this.closed) return
    this.polling = true
    try {
      await Promise.all(
        [...this.entries.values()].filter((e) => typeof e.selector === 'string').map((e) => this.check(e)),
      )
    } finally {
      this.polling = false
    }
  }

  /** Asks the registry where `entry`'s alias points; switches when it moved. */
  private async check(entry: Entry, force = false): Promise<void> {
    if (!entry.current || entry.switching) return
    const alias = entry.selector as string
    let res: Response
    try {
      const url = new URL(paths.alias(entry.name, alias), this.opts.registry).href
      res = await this.opts.fetch(url, {
        headers: entry.etag && !force ? { 'if-none-match': entry.etag } : {},
        signal: AbortSignal.timeout(10_000),
      })
    } catch {
      return // registry unreachable: keep serving what is loaded
    }
    if (res.status === 304) return
    if (!res.ok) {
      await res.body?.cancel()
      return
    }
    const body = (await res.json().catch(() => null)) as { version?: unknown } | null
    const version = body?.version
    if (typeof version !== 'number') return
    const etag = res.headers.get('etag')
    if (version === entry.current.model.version) {
      entry.etag = etag
      return
    }
    await this.switchTo(entry, version, etag)
  }

  private async switchTo(entry: Entry, version: number, etag: string | null): Promise<void> {
    const old = entry.current as Slot
    entry.switching = true
    try {
      let next: Slot
      try {
        next = await this.loadVersion(entry.name, version)
      } catch (err) {
        entry.lastError = `reload of version ${version} failed, version ${old.model.version} keeps serving: ${message(err)}`
        return // etag not kept: the next poll tries again
      }
      if (this.closed || this.entries.get(this.key(entry.name, entry.selector)) !== entry) {
        await this.engine.unload(next.model).catch(() => {})
        return
      }
      entry.current = next
      entry.etag = etag
      entry.lastError = null
      this.metrics.aliasMoves.inc({ model: entry.name })
      this.opts.log(`${entry.name}: ${entry.selector} moved ${old.model.version} → ${version}; switched`)
      // The runtime's own alias record follows too, so a restart without the registry serves the new one.
      void this.engine
        .load(entry.name, entry.selector)
        .then((m) => this.engine.unload(m))
        .catch(() => {})
      await this.retire(old)
    } finally {
      entry.switching = false
    }
  }

  /** Stops polling and unloads everything (requests in flight finish first). */
  async close(): Promise<void> {
    this.closed = true
    if (this.timer) clearInterval(this.timer)
    const all = [...this.entries.values()]
    this.entries.clear()
    await Promise.all(all.flatMap((e) => (e.current ? [this.retire(e.current)] : [])))
  }
}
