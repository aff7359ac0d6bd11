/** The edge server's options (library and CLI share them) and their defaults. */
import type { BackendName } from '@ferry/protocol'
import type { Backend, ModelCache } from '@ferry/runtime/engine'
import type { Batching, EdgeEngine } from './engine.js'

export interface EdgeOptions {
  /** Registry base URL, e.g. `http://localhost:8080`. */
  registry: string
  /** An engine to use instead of the default one (Ferry's engine, in-thread). */
  engine?: EdgeEngine
  /**
   * The backends the engine runs models on, by priority (default: onnxruntime-web's WASM). The Node
   * adapter passes onnxruntime-node first; the Deno entries Deno's WebGPU, then WASM.
   */
  engineBackends?: Backend[] | (() => Promise<Backend[]>)
  /** The bytes cache (default: a folder at `cacheDir`, else the platform's: the Cache API on Deno). */
  cache?: ModelCache
  /** Folder for the verified model bytes (Node). Absent: the platform's default cache (Deno: Cache API). */
  cacheDir?: string
  /** Byte budget of that cache. */
  cacheMaxBytes?: number
  /** Devices in order of preference, e.g. `['cpu', 'wasm']` (default: every device the backends offer). */
  backends?: BackendName[]
  /** Requests waiting per model before 429 / RESOURCE_EXHAUSTED (default 128). */
  maxQueue?: number
  /** The live-session pool: count, bytes, idle time (lowest call rate released first, never a busy one). */
  sessions?: { maxCount?: number; maxBytes?: number; idleMs?: number }
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
  /** fetch for the registry. */
  fetch?: typeof fetch
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
