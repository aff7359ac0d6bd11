// The one place the playground meets @ferry/runtime, imported by its package name as any user would.
// It maps the backend choice to runtime options and exposes the runtime's events and telemetry state.
import type { TelemetryEvent } from '@ferry/protocol'
import { type CacheApi, createRuntime, type Model } from '@ferry/runtime'

export type BackendChoice = 'auto' | 'webgpu' | 'wasm'
export type FerryModel = Model & { source?: string }

/** What the runtime says about its telemetry outbox, when it says anything (fields it lacks stay unset). */
export interface TelemetryStatus {
  sent?: number
  queued?: number
  dropped?: number
}

/** Reads `ferry.telemetry.stats()` / `.pending` where the runtime offers them; null otherwise. */
function telemetryStatus(ferry: object): TelemetryStatus | null {
  const t = (ferry as { telemetry?: { stats?: () => TelemetryStatus; pending?: number } }).telemetry
  if (!t) return null
  if (typeof t.stats === 'function') return t.stats()
  return typeof t.pending === 'number' ? { queued: t.pending } : null
}

export interface RuntimeHandle {
  load(
    name: string,
    version: number | string,
    onProgress: (p: { phase: string; loaded: number; total: number }) => void,
  ): Promise<FerryModel>
  cache: CacheApi & { setPinned(name: string, version: number, pinned: boolean): Promise<void> }
  telemetry(): TelemetryStatus | null
  close(): Promise<void>
}

export interface RuntimeSettings {
  registry: string
  backend: BackendChoice
  /** Byte budget of the device cache; null for the runtime's default. */
  cacheBudget: number | null
}

/** Opens a runtime for these settings; `onEvent` sees every runtime event. */
export function openRuntime(settings: RuntimeSettings, onEvent: (e: TelemetryEvent) => void): RuntimeHandle {
  const ferry = createRuntime({
    registry: settings.registry,
    // ONNX Runtime Web's files are copied to `ort/` next to the page by the Vite build.
    wasmPaths: new URL('ort/', document.baseURI).href,
    onEvent,
    ...(settings.backend === 'auto' ? {} : { backends: [settings.backend] }),
    ...(settings.cacheBudget === null ? {} : { cache: { maxBytes: settings.cacheBudget } }),
  })
  const cache = ferry.cache
  return {
    load: (name, version, onProgress) => ferry.load(name, { version, onProgress }),
    cache: {
      list: () => cache.list(),
      estimate: () => cache.estimate(),
      delete: (name, version) => cache.delete(name, version),
      pin: (name, version) => cache.pin(name, version),
      unpin: (name, version) => cache.unpin(name, version),
      clear: () => cache.clear(),
      setPinned: (name, version, pinned) => (pinned ? cache.pin(name, version) : cache.unpin(name, version)),
    },
    telemetry: () => telemetryStatus(ferry),
    close: () => ferry.close(),
  }
}
