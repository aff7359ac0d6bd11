/**
 * Inside the engine worker: builds the engine (ort-web, IndexedDB or the page's cache, digest helpers)
 * when the page says `init`, holds the lifeline lock, and serves the engine's calls. A custom worker
 * calls `serveEngineWorker` too, with `backends` to add or wrap backends.
 */
import type { Backend } from '../backends/types.js'
import { createEngine } from '../engine/engine.js'
import type { Channel } from '../worker/rpc.js'
import { serveEngine } from '../worker/server.js'
import { browserEngineOptions, browserOrtWeb, type LoadOrt } from './browser-engine.js'
import { globalScope, webLocks } from './globals.js'

export interface EngineWorkerOptions {
  /** Imports onnxruntime-web's WebGPU or plain WASM build. */
  loadOrt: LoadOrt
  /** Where ONNX Runtime's .wasm files are, unless the page says otherwise. */
  wasmPaths?: string
  /** The backends this worker offers, from the default ones (e.g. wrap them, or add one). */
  backends?: (defaults: Backend[]) => Backend[] | Promise<Backend[]>
}

interface LockHolder {
  request(name: string, callback: () => Promise<unknown>): Promise<unknown>
}

/** Holds the Web Lock `name` for this worker's life; resolves once it is held. */
function holdLifeline(name: string): Promise<void> {
  const locks = webLocks() as LockHolder | undefined
  if (!locks) return Promise.resolve()
  return new Promise<void>((held) => {
    locks.request(name, () => {
      held()
      return new Promise(() => {})
    })
  })
}

/** Serves Ferry's engine from this worker (see the module comment). */
export function serveEngineWorker(options: EngineWorkerOptions): void {
  serveEngine(
    globalScope() as Channel,
    async (init, parts) => {
      const ort = { ...(options.wasmPaths ? { wasmPaths: options.wasmPaths } : {}), ...init.ort }
      const defaults = [browserOrtWeb(options.loadOrt, ort)]
      const backends = options.backends ? await options.backends(defaults) : defaults
      return createEngine(
        browserEngineOptions(
          {
            config: init.config,
            emit: parts.emit,
            ...(parts.cache ? { cache: parts.cache } : {}),
            ...(init.cache !== 'page' ? { cacheOptions: init.cache } : {}),
          },
          backends,
        ),
      )
    },
    holdLifeline,
  )
}
