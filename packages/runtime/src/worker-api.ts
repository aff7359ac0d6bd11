/**
 * `@ferry/runtime/worker`: for a custom engine worker (e.g. one that adds or wraps backends). Build a
 * module worker that calls `serveEngineWorker({ loadOrt, backends })` and pass its URL to
 * `createRuntime({ workerUrl })`.
 */
export type { Backend } from './backends/types.js'
export { bundledOrt } from './platform/bundler.js'
export { type EngineWorkerOptions, serveEngineWorker } from './platform/worker.js'
