/**
 * `ferry-worker.mjs` of the browser build. In a worker it exposes the engine; imported on a page it
 * provides `createLocalEngine` for `worker: false`. ONNX Runtime is loaded from the same directory.
 */
import type { Platform } from '../api/runtime.js'
import { createEngine } from '../engine/engine.js'
import { exposeEngine } from './expose.js'

const base = new URL('./', import.meta.url).href
const loadOrt = (flavor: 'webgpu' | 'wasm') =>
  import(
    /* @vite-ignore */ new URL(flavor === 'webgpu' ? 'ort.webgpu.min.mjs' : 'ort.wasm.min.mjs', base).href
  )

/** An in-thread engine using this build's ONNX Runtime files. */
export const createLocalEngine: Platform['localEngine'] = async (config, deps) =>
  createEngine({ wasmPaths: base, ...config }, { ...deps, loadOrt })

const g = globalThis as { WorkerGlobalScope?: new () => unknown; document?: unknown }
if (
  g.WorkerGlobalScope !== undefined &&
  g.document === undefined &&
  globalThis instanceof g.WorkerGlobalScope
)
  exposeEngine(globalThis as never, loadOrt, { wasmPaths: base })
