/**
 * `ferry-worker.mjs` of the browser build. In a worker it serves the engine; imported on a page it
 * provides `createLocalEngine` for `worker: false`. ONNX Runtime is loaded from the same directory.
 */
import type { EngineSettings } from '../api/runtime.js'
import { browserLocalEngine, type LoadOrt } from '../platform/browser-engine.js'
import { inWorkerScope } from '../platform/globals.js'
import { serveEngineWorker } from '../platform/worker.js'

const base = new URL('./', import.meta.url).href
const loadOrt: LoadOrt = (build) =>
  import(
    /* @vite-ignore */ new URL(build === 'webgpu' ? 'ort.webgpu.min.mjs' : 'ort.wasm.min.mjs', base).href
  )

/** An in-thread engine using this build's ONNX Runtime files. */
export const createLocalEngine = (settings: EngineSettings) =>
  browserLocalEngine({ ...settings, ort: { wasmPaths: base, ...settings.ort } }, loadOrt)

if (inWorkerScope()) serveEngineWorker({ loadOrt, wasmPaths: base })
