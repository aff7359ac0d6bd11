/**
 * The server without its transports: engine, model manager, metrics and the startup preload. REST (the
 * Hono app) and gRPC both call into this one object.
 */
import type { Batching, EdgeEngine } from './engine.js'
import { createEdgeEngine } from './engine.js'
import { EdgeMetrics } from './metrics/metrics.js'
import { ModelManager } from './models/manager.js'
import type { InferContext } from './oip/infer.js'
import { DEFAULTS, EDGE_VERSION, type EdgeOptions } from './options.js'

export interface EdgeCore extends InferContext {
  options: EdgeOptions
  /** Settles once every `--models` entry was tried; `failed` lists those that did not load. */
  preload: Promise<{ failed: string[] }>
  /** True once the preload settled and every preloaded model loaded. */
  isReady(): boolean
  /** Server metadata (`GET /v2`, gRPC ServerMetadata). */
  serverMetadata(): { name: string; version: string; extensions: string[]; [k: string]: unknown }
  close(): Promise<void>
}

/** Splits `name[:version]`. */
export function parseModelSpec(spec: string): { name: string; version?: string } {
  const at = spec.indexOf(':')
  return at < 0 ? { name: spec } : { name: spec.slice(0, at), version: spec.slice(at + 1) }
}

/** Builds the core and starts loading `options.models`. */
export function createEdgeCore(options: EdgeOptions): EdgeCore {
  const log = options.log ?? ((line: string) => console.error(`ferry-edge: ${line}`))
  const fetchFn = options.fetch ?? fetch.bind(globalThis)
  const engine: EdgeEngine =
    options.engine ??
    createEdgeEngine({
      registry: options.registry,
      fetch: fetchFn,
      maxQueue: options.maxQueue ?? DEFAULTS.maxQueue,
      ...(options.cacheDir ? { cacheDir: options.cacheDir } : {}),
      ...(options.cache ? { cache: options.cache } : {}),
      ...(options.engineBackends ? { engineBackends: options.engineBackends } : {}),
      ...(options.cacheMaxBytes ? { cacheMaxBytes: options.cacheMaxBytes } : {}),
      ...(options.backends ? { backends: options.backends } : {}),
      ...(options.sessions ? { sessions: options.sessions } : {}),
    })
  const metrics = new EdgeMetrics({ version: EDGE_VERSION, engine: engine.description })
  const unsubscribe = engine.onEvent((e) => metrics.engineEvent(e))
  const models = new ModelManager(engine, metrics, {
    registry: options.registry,
    fetch: fetchFn,
    pollMs: options.pollMs ?? DEFAULTS.pollMs,
    defaultAlias: options.defaultAlias ?? DEFAULTS.defaultAlias,
    onDemand: options.onDemand ?? DEFAULTS.onDemand,
    batching: new Map(Object.entries(options.batching ?? {}) as [string, Batching | false][]),
    log,
  })
  let ready = false
  const preload = (async () => {
    const failed: string[] = []
    await Promise.all(
      (options.models ?? []).map(async (spec) => {
        const { name, version } = parseModelSpec(spec)
        try {
          await models.load(name, version)
        } catch {
          failed.push(spec)
        }
      }),
    )
    ready = failed.length === 0
    return { failed }
  })()
  const grpc = options.grpc
  return {
    options,
    engine,
    metrics,
    models,
    timeoutMs: options.requestTimeoutMs ?? DEFAULTS.requestTimeoutMs,
    preload,
    isReady: () => ready,
    serverMetadata: () => ({
      name: 'ferry-edge',
      version: EDGE_VERSION,
      extensions: ['binary_tensor_data', 'model_repository', 'statistics'],
      engine: engine.description,
      grpc: grpc ?? { served: false, reason: 'no gRPC listener was started with this app' },
    }),
    async close() {
      unsubscribe()
      await models.close()
      await engine.close()
    },
  }
}
