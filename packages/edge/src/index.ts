/** @ferry/edge: the Open Inference Protocol server as a Hono app, its engine seam and options. */
export { createEdgeApp, type EdgeApp } from './app.js'
export { createEdgeCore, type EdgeCore, parseModelSpec } from './core.js'
export {
  type Batching,
  createEdgeEngine,
  type EdgeEngine,
  type EngineEvent,
  type EngineOptions,
  type EngineStat,
  type LoadedModel,
  type Tensor,
} from './engine.js'
export { DEFAULTS, EDGE_VERSION, type EdgeOptions } from './options.js'
