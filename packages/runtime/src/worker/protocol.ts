/** The calls each side of the engine worker serves (see rpc.ts for how they travel). */
import type { Manifest } from '@ferry/protocol'
import type { AliasRecord, CacheEntry, CacheEstimate, ModelCache, VersionRef } from '../cache/types.js'
import type { EngineConfig, LoadRequest, ModelInfo, RunResult, SessionStat } from '../engine/types.js'
import type { Inputs } from '../tensors/tensor.js'

/** What the page sends to start the engine in a worker. */
export interface WorkerInit {
  config: EngineConfig
  /** Options for the worker's own bytes cache, or `'page'` to use the cache the page was given. */
  cache: Record<string, unknown> | 'page'
  /** ONNX Runtime Web's file location and WASM threads, when the page sets them. */
  ort?: { wasmPaths?: string; numThreads?: number }
  /** A Web Lock the worker holds for its life: the page learns of a crash when it is granted. */
  lifeline?: string
}

/** Calls the page makes on the worker. `load` reports Progress before its answer. */
export interface WorkerCalls {
  init(init: WorkerInit): void
  resolve(name: string, version?: number | string): Manifest
  load(req: LoadRequest): ModelInfo
  run(handle: number, inputs: Inputs, callId?: number): RunResult
  abort(callId: number): void
  unload(handle: number): void
  sessions(): SessionStat[]
  cacheList(): CacheEntry[]
  cacheDelete(name: string, version?: number): void
  cachePin(name: string, version: number): void
  cacheUnpin(name: string, version: number): void
  cacheClear(): void
  cacheEstimate(): CacheEstimate
  close(): void
}

/**
 * Calls the worker makes on the page when the page's own ModelCache is used: the ModelCache interface,
 * with `retain` as a token released by `release`.
 */
export interface PageCalls {
  get(digest: string, owner?: VersionRef): Uint8Array | null
  put(digest: string, bytes: Uint8Array, owner: VersionRef): boolean
  putManifest(manifest: Manifest, alias?: { alias: string; etag?: string }): void
  getManifest(name: string, version: number): Manifest | null
  getAlias(name: string, alias: string): AliasRecord | null
  retain(ref: VersionRef): number
  release(token: number): void
  list(): CacheEntry[]
  delete(name: string, version?: number): void
  pin(name: string, version: number, pinned?: boolean): void
  clear(): void
  estimate(): CacheEstimate
}

export type { ModelCache }
