/**
 * The script-tag/ESM browser build's host: the worker and ONNX Runtime's files are found next to the
 * runtime's own script, whatever its URL, including another origin (a CDN).
 */
import type { EngineClient } from '../api/model.js'
import type { EngineSettings, RuntimeHost } from '../api/runtime.js'
import { browserHost, startModuleWorker } from '../platform/browser.js'

export const WORKER_FILE = 'ferry-worker.mjs'
/** The placement code (device or edge), loaded only by runtimes created with `edge`. */
export const EDGE_FILE = 'ferry-edge.mjs'

/** A host whose worker is `${base}ferry-worker.mjs` (imported for an in-thread engine too). */
export function scriptHost(base: string): RuntimeHost {
  const workerUrl = new URL(WORKER_FILE, base).href
  return browserHost({
    placement: () => import(/* @vite-ignore */ new URL(EDGE_FILE, base).href),
    start: () => startModuleWorker(workerUrl),
    async local(settings) {
      const mod = (await import(/* @vite-ignore */ workerUrl)) as {
        createLocalEngine(s: EngineSettings): Promise<EngineClient>
      }
      return mod.createLocalEngine(settings)
    },
  })
}
