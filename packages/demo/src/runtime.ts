// The one place the playground meets @ferry/runtime, imported by its package name as any user would.
// It maps the playground's settings to runtime options and exposes the runtime's events and state.
import type { TelemetryEvent } from '@ferry/protocol'
import {
  type BackendName,
  type CacheApi,
  createRuntime,
  type Model,
  type RunInfo,
  type TelemetryStats,
} from '@ferry/runtime'

export type BackendChoice = 'auto' | 'webgpu' | 'wasm'
/** Where models run: `auto` (device or edge, the runtime decides), or one side forced. */
export type PlacementChoice = 'auto' | 'device' | 'edge'
export type FerryModel = Model & { source?: string }
export type { RunInfo, TelemetryStats }

export interface RuntimeHandle {
  load(
    name: string,
    version: number | string,
    onProgress: (p: { phase: string; loaded: number; total: number }) => void,
  ): Promise<FerryModel>
  cache: CacheApi & { setPinned(name: string, version: number, pinned: boolean): Promise<void> }
  /** Events sent to the collector, waiting, and dropped (`ferry.telemetry.stats()`). */
  telemetry(): TelemetryStats
  /** Whether this browser has the WebGPU API at all (`ferry.capabilities.webgpuApi`). */
  readonly webgpuApi: boolean
  close(): Promise<void>
}

export interface RuntimeSettings {
  registry: string
  backend: BackendChoice
  /** Byte budget of the device cache; null for the runtime's default. */
  cacheBudget: number | null
  /** A Ferry Edge server's URL (`createRuntime({ edge })`), or null: the device only. */
  edge: string | null
  /** The placement each load asks for (with an edge). */
  placement: PlacementChoice
}

/**
 * The devices a choice asks for: WebGPU by name (a software adapter is then accepted) with WASM behind
 * it, so a WebGPU that fails moves the models to WASM with the reason instead of failing their loads;
 * WASM alone; or nothing, for the runtime's own order (Auto passes over software adapters).
 */
export function devicesFor(choice: BackendChoice): BackendName[] | undefined {
  if (choice === 'webgpu') return ['webgpu', 'wasm']
  if (choice === 'wasm') return ['wasm']
  return undefined
}

/** Collector batches leave this often, so the telemetry panel shows them going out while one watches. */
const TELEMETRY_FLUSH_MS = 3000

/** Opens a runtime for these settings; `onEvent` sees every runtime event. */
export function openRuntime(settings: RuntimeSettings, onEvent: (e: TelemetryEvent) => void): RuntimeHandle {
  const backends = devicesFor(settings.backend)
  const ferry = createRuntime({
    registry: settings.registry,
    // ONNX Runtime Web's files are copied to `ort/` next to the page by the Vite build.
    wasmPaths: new URL('ort/', document.baseURI).href,
    onEvent,
    telemetry: { flushMs: TELEMETRY_FLUSH_MS },
    ...(backends ? { backends } : {}),
    ...(settings.cacheBudget === null ? {} : { cache: { maxBytes: settings.cacheBudget } }),
    ...(settings.edge ? { edge: settings.edge } : {}),
  })
  const cache = ferry.cache
  const placement = settings.edge ? { placement: settings.placement } : {}
  return {
    load: (name, version, onProgress) => ferry.load(name, { version, onProgress, ...placement }),
    cache: {
      list: () => cache.list(),
      estimate: () => cache.estimate(),
      delete: (name, version) => cache.delete(name, version),
      pin: (name, version) => cache.pin(name, version),
      unpin: (name, version) => cache.unpin(name, version),
      clear: () => cache.clear(),
      setPinned: (name, version, pinned) => (pinned ? cache.pin(name, version) : cache.unpin(name, version)),
    },
    telemetry: () => ferry.telemetry.stats(),
    webgpuApi: ferry.capabilities.webgpuApi,
    close: () => ferry.close(),
  }
}
