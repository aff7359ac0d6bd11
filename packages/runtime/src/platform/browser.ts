/**
 * Browsers, the page's side: the engine in a module worker (crashes detected through a Web Lock the
 * worker holds), or in the page from a `local` factory (see browser-engine.ts, kept out of the page's
 * bundle).
 */
import type { EngineClient } from '../api/model.js'
import type { EngineSettings, PlacementModule, RuntimeHost } from '../api/runtime.js'
import { type WorkerLike, workerEngine } from '../worker/client.js'
import { detectCapabilities, location, webLocks } from './globals.js'

/**
 * Starts a module worker from `url`. Workers cannot start from another origin's URL: a same-origin blob:
 * module imports it instead (the CDN must send CORS headers, as it must for any module script).
 */
export function startModuleWorker(url: string): WorkerLike {
  if (new URL(url).origin === location()?.origin) return new Worker(url, { type: 'module' })
  const blob = new Blob([`import ${JSON.stringify(url)}\n`], { type: 'text/javascript' })
  const src = URL.createObjectURL(blob)
  const w = new Worker(src, { type: 'module' })
  setTimeout(() => URL.revokeObjectURL(src), 60_000)
  return w
}

interface LockRequester {
  request(name: string, options: { signal?: AbortSignal }, callback: () => unknown): Promise<unknown>
}

/** Watches a worker's lifeline lock: `gone` runs once the worker no longer holds it. */
export function lockWatch(): ((name: string, gone: () => void) => () => void) | undefined {
  const locks = webLocks() as LockRequester | undefined
  if (!locks) return undefined
  return (name, gone) => {
    const ac = new AbortController()
    locks.request(name, { signal: ac.signal }, () => gone()).catch(() => {})
    return () => ac.abort()
  }
}

/**
 * A RuntimeHost for pages: Ferry's engine worker from `start` (or the caller's `workerUrl`), in-thread
 * engines from `local`, the placement code from `placement`.
 */
export function browserHost(opts: {
  start(): WorkerLike
  local(settings: EngineSettings): Promise<EngineClient>
  placement(): Promise<PlacementModule>
}): RuntimeHost {
  return {
    capabilities: detectCapabilities(),
    baseUrl: location()?.href,
    worker: (s) =>
      workerEngine({
        start: () => (s.workerUrl ? startModuleWorker(s.workerUrl) : opts.start()),
        init: { config: s.config, cache: s.cache ? 'page' : (s.cacheOptions ?? {}), ort: s.ort },
        cache: s.cache,
        emit: s.emit,
        watch: lockWatch(),
      }),
    local: opts.local,
    placement: opts.placement,
  }
}
