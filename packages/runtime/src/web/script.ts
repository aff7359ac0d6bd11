/**
 * Entry of `ferry.js` (classic script): sets the global `Ferry` ({ createRuntime, FerryError, hasErrorCode })
 * and finds its own URL while the script runs. A plain object, not an esbuild `globalName` export: that
 * would add ESM interop helpers to the runtime's smallest file.
 */
import { FerryError, hasErrorCode } from '@ferry/protocol'
import { createRuntimeWith } from '../api/runtime.js'
import type { Ferry, RuntimeOptions } from '../api/types.js'
import { currentScriptUrl } from '../platform/globals.js'
import { scriptHost } from './platform.js'

// document.currentScript is only set while this script first runs, so the URL is read now.
const base = new URL('./', currentScriptUrl() || 'http://localhost/').href

/** Creates a Ferry runtime; the worker and ONNX Runtime files are loaded from next to ferry.js. */
const createRuntime = (options: RuntimeOptions): Ferry => createRuntimeWith(scriptHost(base), options)

;(globalThis as { Ferry?: unknown }).Ferry = { createRuntime, FerryError, hasErrorCode }
