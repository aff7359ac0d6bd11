/**
 * @ferry/runtime on Node: `createRuntime` with the engine in-thread on onnxruntime-node (when installed)
 * and onnxruntime-web's WASM, as the package's `node` export condition gives it.
 */
import { createRuntimeWith } from './api/runtime.js'
import type { Ferry, RuntimeOptions } from './api/types.js'
import { nodeHost } from './platform/node.js'

/** Creates a Ferry runtime (in-thread): `const ferry = createRuntime({ registry })`. */
export function createRuntime(options: RuntimeOptions): Ferry {
  return createRuntimeWith(nodeHost, options)
}

export { type OrtNodeOptions, ortNode } from './backends/ort-node.js'
export { nodeBackends } from './platform/node.js'
export * from './public.js'
