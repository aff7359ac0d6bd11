/**
 * The script-tag/ESM browser build's platform: the worker and ONNX Runtime's files are found next to
 * the runtime's own script, whatever its URL, including another origin (a CDN).
 */
import type { Platform } from '../api/runtime.js'

export const WORKER_FILE = 'ferry-worker.mjs'

/** A platform whose worker is `${base}ferry-worker.mjs`. */
export function browserPlatform(base: string): Platform {
  const workerUrl = new URL(WORKER_FILE, base).href
  return {
    startWorker() {
      const here = (globalThis as { location?: { origin: string } }).location?.origin
      if (new URL(workerUrl).origin === here) return new Worker(workerUrl, { type: 'module' })
      // Workers cannot start from another origin's URL; a same-origin blob: module imports it instead
      // (the CDN must send CORS headers, as it must for any module script).
      const blob = new Blob([`import ${JSON.stringify(workerUrl)}\n`], { type: 'text/javascript' })
      const url = URL.createObjectURL(blob)
      const w = new Worker(url, { type: 'module' })
      setTimeout(() => URL.revokeObjectURL(url), 60_000)
      return w
    },
    async localEngine(config, deps) {
      const mod = (await import(/* @vite-ignore */ workerUrl)) as {
        createLocalEngine: Platform['localEngine']
      }
      return mod.createLocalEngine(config, deps)
    },
  }
}
