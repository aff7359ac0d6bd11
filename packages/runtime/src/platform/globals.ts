/**
 * The one place that reads the host's globals (`globalThis`, `navigator`, `Deno`, `process`, `document`):
 * every other module asks here, or gets what it needs passed in by a `platform/*` file.
 */
import type { GPULike } from '../backends/ort-web/gpu.js'
import type { LockManagerLike } from '../cache/locks.js'

type G = typeof globalThis & {
  Deno?: unknown
  process?: { versions?: { node?: string }; memoryUsage?: () => { rss: number } }
  WorkerGlobalScope?: new () => unknown
  document?: { currentScript?: { src?: string } | null; baseURI?: string }
  location?: { href: string; origin: string }
  crossOriginIsolated?: boolean
  caches?: CacheStorage
  indexedDB?: unknown
  Float16Array?: { name: string }
  navigator?: {
    gpu?: unknown
    hardwareConcurrency?: number
    locks?: LockManagerLike
    storage?: StorageManagerLike
  }
}

const g = () => globalThis as G

export interface StorageManagerLike {
  estimate?(): Promise<{ quota?: number; usage?: number }>
  persist?(): Promise<boolean>
  persisted?(): Promise<boolean>
}

export interface Capabilities {
  /** Host kind, as telemetry reports it. */
  env: 'browser' | 'worker' | 'deno' | 'node' | 'other'
  /** `new Worker(url, { type: 'module' })` is available. */
  workers: boolean
  /** `navigator.gpu` exists (an adapter may still be refused). */
  webgpuApi: boolean
  /** SharedArrayBuffer-based WASM threads are allowed. */
  crossOriginIsolated: boolean
  hardwareConcurrency: number
}

/** Detects the current host's capabilities (call once, keep the frozen result). */
export function detectCapabilities(): Readonly<Capabilities> {
  const h = g()
  const env: Capabilities['env'] =
    h.Deno !== undefined
      ? 'deno'
      : h.process?.versions?.node !== undefined && h.document === undefined
        ? 'node'
        : h.document !== undefined
          ? 'browser'
          : h.WorkerGlobalScope !== undefined
            ? 'worker'
            : 'other'
  return Object.freeze({
    env,
    workers: typeof Worker !== 'undefined' && (env === 'browser' || env === 'worker'),
    webgpuApi: h.navigator?.gpu !== undefined,
    ...wasmThreading(),
  })
}

/** What decides WASM threads: cross-origin isolation (SharedArrayBuffer) and the core count. */
export function wasmThreading(): { crossOriginIsolated: boolean; hardwareConcurrency: number } {
  const h = g()
  return {
    crossOriginIsolated: h.crossOriginIsolated === true,
    hardwareConcurrency: h.navigator?.hardwareConcurrency ?? 1,
  }
}

/** `navigator.gpu`, when the host has one. */
export const webgpu = (): GPULike | undefined => g().navigator?.gpu as GPULike | undefined
/** Web Locks (`navigator.locks`), when the host has them. */
export const webLocks = (): LockManagerLike | undefined => g().navigator?.locks
/** `navigator.storage`, when the host has it. */
export const storageManager = (): StorageManagerLike | undefined => g().navigator?.storage
/** `Float16Array`, where the host has it. */
export const float16Array = (): { name: string } | undefined => g().Float16Array
/** The page's (or worker's) URL, where there is one. */
export const location = (): { href: string; origin: string } | undefined => g().location
/** The URL of the classic script running now (only while it first runs), else the document's base. */
export const currentScriptUrl = (): string | undefined =>
  g().document?.currentScript?.src || g().document?.baseURI
/** True inside a dedicated/shared worker. */
export function inWorkerScope(): boolean {
  const h = g()
  return (
    h.WorkerGlobalScope !== undefined && h.document === undefined && globalThis instanceof h.WorkerGlobalScope
  )
}
/** The Cache API in Deno (the bytes cache's default there), else undefined. */
export const denoCaches = (): CacheStorage | undefined => (g().Deno !== undefined ? g().caches : undefined)
/** True where IndexedDB exists. */
export const hasIndexedDB = (): boolean => g().indexedDB !== undefined
/** Resident memory of this process (Node, Deno), for measuring what a session holds. */
export function processMemory(): (() => number) | undefined {
  const p = g().process
  return typeof p?.memoryUsage === 'function'
    ? () => (p.memoryUsage as () => { rss: number })().rss
    : undefined
}
/** A `Worker` constructor where the host has one. */
export const WorkerCtor = (): typeof Worker | undefined => (typeof Worker === 'function' ? Worker : undefined)
/** The global scope, as the engine worker's channel. */
export const globalScope = (): unknown => globalThis
