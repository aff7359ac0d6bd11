/**
 * @ferry/runtime for bundlers and browsers: `createRuntime` with the engine in a module Worker (bundled
 * from ./worker/entry.js) where Workers exist, in-thread elsewhere. Node and Deno get their own entries
 * (./node.js, ./deno.js) through the package's export conditions.
 */
import { createRuntimeWith } from './api/runtime.js'
import type { Ferry, RuntimeOptions } from './api/types.js'
import { browserHost } from './platform/browser.js'
import { browserLocalEngine } from './platform/browser-engine.js'
import { bundledOrt } from './platform/bundler.js'

/** Creates a Ferry runtime: `const ferry = createRuntime({ registry })`, then `await ferry.load(name)`. */
export function createRuntime(options: RuntimeOptions): Ferry {
  const host = browserHost({
    // Written out so that bundlers (Vite, webpack) see the worker and bundle it.
    start: () => new Worker(new URL('./worker/entry.js', import.meta.url), { type: 'module' }),
    local: (settings) => browserLocalEngine(settings, bundledOrt),
    // A chunk of its own: bundlers load it only for runtimes created with `edge`.
    placement: () => import('./placement/index.js'),
  })
  return createRuntimeWith(host, options)
}

export * from './public.js'
