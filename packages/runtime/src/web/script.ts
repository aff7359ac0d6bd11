/** Entry of `ferry.js` (classic script, global `Ferry`): finds its own URL while the script runs. */
import { createRuntimeWith } from '../api/runtime.js'
import type { Ferry, RuntimeOptions } from '../api/types.js'
import { currentScriptUrl } from '../platform/globals.js'
import { scriptHost } from './platform.js'

// document.currentScript is only set while this script first runs, so the URL is read now.
const base = new URL('./', currentScriptUrl() || 'http://localhost/').href

/** Creates a Ferry runtime; the worker and ONNX Runtime files are loaded from next to ferry.js. */
export function createRuntime(options: RuntimeOptions): Ferry {
  return createRuntimeWith(scriptHost(base), options)
}

export { FerryError, hasErrorCode } from '@ferry/protocol'
