/** Entry of `ferry.mjs` (ES module): the worker and ONNX Runtime files are found next to this module. */
import { createRuntimeWith } from '../api/runtime.js'
import type { Ferry, RuntimeOptions } from '../api/types.js'
import { scriptHost } from './platform.js'

/** Creates a Ferry runtime; the worker and ONNX Runtime files are loaded from next to ferry.mjs. */
export function createRuntime(options: RuntimeOptions): Ferry {
  return createRuntimeWith(scriptHost(new URL('./', import.meta.url).href), options)
}

export { FerryError, hasErrorCode } from '@ferry/protocol'
