/**
 * Telemetry for a runtime: picks the adapters this host offers (IndexedDB outbox, localStorage/IndexedDB
 * client id, beacon and page events in browsers; memory elsewhere) and builds the reporter.
 */
import { TELEMETRY_PATH, type TelemetryBatch, type TelemetryEvent } from '@ferry/protocol'
import { beaconTo, localStorageClientId, onlineProbe, watchPage } from '../platform/page.js'
import { hasIndexedDb, indexedDbClientId, indexedDbStorage } from './idb-storage.js'
import { memoryStorage, Outbox, type OutboxStorage } from './outbox.js'
import { randomId, TelemetryReporter } from './reporter.js'
import { fetchTransport } from './transport.js'

export { memoryStorage, Outbox, type OutboxStorage, type SealedBatch } from './outbox.js'
export { type ReporterOptions, randomId, TelemetryReporter, type TelemetryStats } from './reporter.js'
export { sanitizeEvent } from './sanitize.js'
export { fetchTransport, type SendResult, type Transport } from './transport.js'

/** `createRuntime({ telemetry })`: where and how much to report. `false` turns telemetry off. */
export interface TelemetryOptions {
  /** Collector URL. Default `${registry}/v1/telemetry`. */
  endpoint?: string
  /** Fraction of inference events sent (loads, fallbacks, cache events and errors are always sent). Default 1. */
  sampleRate?: number
  /** Longest an event waits before its batch is sent, ms. Default 10,000. */
  flushMs?: number
  /** Events per batch. Default 100. */
  maxBatch?: number
  /** Most undelivered events kept (offline); the oldest are dropped first and reported as dropped. Default 5,000. */
  maxPendingEvents?: number
}

export interface TelemetryContext {
  registry: string
  env: TelemetryBatch['client']['env']
  fetch?: typeof fetch
  runtimeVersion?: string
  /** Outbox storage; default IndexedDB where the host has it, else memory. */
  storage?: OutboxStorage
}

/** What the runtime holds: feed it events, flush it, close it. */
export interface Telemetry {
  record(events: readonly TelemetryEvent[]): void
  flush(): Promise<void>
  close(): Promise<void>
  readonly reporter: TelemetryReporter
}

/** The default collector URL for a registry. */
export function telemetryEndpoint(registry: string): string {
  return registry.replace(/\/+$/, '') + TELEMETRY_PATH
}

/** Builds telemetry for a runtime, or returns null when `options` is `false`. */
export function createTelemetry(
  options: TelemetryOptions | false | undefined,
  ctx: TelemetryContext,
): Telemetry | null {
  if (options === false) return null
  const o = options ?? {}
  const endpoint = o.endpoint ?? telemetryEndpoint(ctx.registry)
  const idb = hasIndexedDb()
  const storage = ctx.storage ?? (idb ? indexedDbStorage() : memoryStorage())
  const clientId =
    localStorageClientId(randomId) ?? (idb ? indexedDbClientId(randomId).catch(() => randomId()) : randomId())
  const reporter = new TelemetryReporter({
    transport: fetchTransport(ctx.fetch ? { endpoint, fetch: ctx.fetch } : { endpoint }),
    outbox: new Outbox(storage, { maxEvents: o.maxPendingEvents ?? 5000 }),
    clientId,
    env: ctx.env,
    runtimeVersion: ctx.runtimeVersion ?? '0.1.0',
    ...(o.sampleRate === undefined ? {} : { sampleRate: o.sampleRate }),
    ...(o.flushMs === undefined ? {} : { flushMs: o.flushMs }),
    ...(o.maxBatch === undefined ? {} : { maxBatch: o.maxBatch }),
    ...withDefined('beacon', beaconTo(endpoint)),
    ...withDefined('isOnline', onlineProbe()),
  })
  const unwatch = watchPage({ hidden: () => reporter.hidden(), online: () => reporter.online() })
  return {
    reporter,
    record(events) {
      for (const e of events) reporter.record(e)
    },
    flush: () => reporter.flush(),
    async close() {
      unwatch()
      await reporter.close()
    },
  }
}

const withDefined = <K extends string, V>(k: K, v: V | undefined) => (v === undefined ? {} : { [k]: v })
