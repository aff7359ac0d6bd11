/**
 * The placement code (device or Ferry Edge), loaded by the runtime only when `createRuntime({ edge })` is
 * given: a chunk of its own for bundlers, `ferry-edge.mjs` next to `ferry.js` in the script/ESM build.
 */
export { loadPlaced } from './load.js'
