/**
 * @ferry/runtime on Deno: `createRuntime` with the engine in-thread on ort-web (Deno's WebGPU where it
 * has an adapter, else WASM), bytes in the Cache API; the package's `deno` export condition gives it.
 */
import { createRuntimeWith } from './api/runtime.js'
import type { Ferry, RuntimeOptions } from './api/types.js'
import { denoHost } from './platform/deno.js'

/** Creates a Ferry runtime (in-thread): `const ferry = createRuntime({ registry })`. */
export function createRuntime(options: RuntimeOptions): Ferry {
  return createRuntimeWith(denoHost, options)
}

export { type OrtNodeOptions, ortNode } from './backends/ort-node.js'
export { denoBackends } from './platform/deno.js'
export * from './public.js'
