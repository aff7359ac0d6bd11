/** The edge server's options (library and CLI share them) and their defaults. */
import type { Batching, EdgeEngine, EngineOptions } from './engine.js'

/**
 * The engine's options (registry, backends, cache, devices, queue bound, session pool, fetch: see
 * `EngineOptions`) and the server's own.
 */
export interface EdgeOptions extends EngineOptions {
  /** An engine to use instead of the default one (Ferry's engine, in-thread, made from these options). */
  engine?: EdgeEngine
  /** Models to load at start: `name`, `name:3` or `name:stable`. */
  models?: string[]
  /** Bearer token required on infer and repository routes (and gRPC ModelInfer). */
  token?: string
  /** How often followed aliases are re-checked, in ms (default 5000; 0 never). */
  pollMs?: number
  /** Alias a request without a version follows when the model has it (default `stable`, else `latest`). */
  defaultAlias?: string
  /** Load a model on its first request (default true). */
  onDemand?: boolean
  /** Batching per model, overriding the manifest's (`false`: none). */
  batching?: Record<string, Batching | false>
  /** Server-wide request timeout in ms (default 0: none). */
  requestTimeoutMs?: number
  /** Largest request body in bytes (default 64 MiB). */
  maxBodyBytes?: number
  /** CORS origins for reads and infer: `'*'` (default), a list, or false (no CORS headers). */
  cors?: '*' | string[] | false
  /** What the server metadata says about gRPC (the Node adapter fills this in). */
  grpc?: { served: boolean; port?: number; reason?: string }
  /** Log lines (default: console.error). */
  log?: (line: string) => void
}

export const DEFAULTS = {
  pollMs: 5000,
  defaultAlias: 'stable',
  onDemand: true,
  requestTimeoutMs: 0,
  maxBodyBytes: 64 * 1024 * 1024,
  maxQueue: 128,
} as const

/** The server's version, as its metadata reports it. */
export const EDGE_VERSION = '0.1.0'
