/**
 * The `ferry-edge` command line, shared by Node and Deno: one table of flags, each mirrored by an
 * environment variable, from which both the parser and `--help` are made.
 */
import { BACKENDS, type BackendName, FerryError } from '@ferry/protocol'
import type { ServeEdgeOptions } from '../adapter/node.js'
import type { Batching } from '../engine.js'
import { DEFAULTS } from '../options.js'

interface Flag {
  name: string
  env: string
  arg?: string
  help: string
  default?: string
}

export const FLAGS: readonly Flag[] = [
  {
    name: 'registry',
    env: 'FERRY_REGISTRY',
    arg: 'URL',
    help: 'Ferry registry to serve models from (required)',
  },
  {
    name: 'port',
    env: 'FERRY_EDGE_PORT',
    arg: 'N',
    help: 'HTTP port for REST (0: any free port)',
    default: '8000',
  },
  {
    name: 'grpc-port',
    env: 'FERRY_EDGE_GRPC_PORT',
    arg: 'N|off',
    help: 'gRPC port (0: any free port; off: no gRPC; not served on Deno)',
    default: '8001',
  },
  { name: 'host', env: 'FERRY_EDGE_HOST', arg: 'ADDR', help: 'interface to bind', default: '127.0.0.1' },
  {
    name: 'models',
    env: 'FERRY_EDGE_MODELS',
    arg: 'LIST',
    help: 'models to load at start, comma-separated: name, name:3, name:stable',
  },
  {
    name: 'token',
    env: 'FERRY_EDGE_TOKEN',
    arg: 'T',
    help: 'bearer token required on infer and repository calls (REST and gRPC)',
  },
  {
    name: 'cache-dir',
    env: 'FERRY_EDGE_CACHE_DIR',
    arg: 'DIR',
    help: 'folder for verified model bytes (Node; Deno uses its Cache API)',
    default: '.ferry/edge-cache',
  },
  {
    name: 'cache-max-bytes',
    env: 'FERRY_EDGE_CACHE_MAX_BYTES',
    arg: 'N',
    help: 'byte budget of that cache (least recently used versions go first)',
  },
  {
    name: 'backends',
    env: 'FERRY_EDGE_BACKENDS',
    arg: 'LIST',
    help: `backends in order of preference, comma-separated (${BACKENDS.join(', ')})`,
  },
  {
    name: 'max-sessions',
    env: 'FERRY_EDGE_MAX_SESSIONS',
    arg: 'N',
    help: 'most model sessions in memory (idle ones past it are released)',
  },
  {
    name: 'max-session-bytes',
    env: 'FERRY_EDGE_MAX_SESSION_BYTES',
    arg: 'N',
    help: 'most bytes of model sessions in memory',
  },
  {
    name: 'max-queue',
    env: 'FERRY_EDGE_MAX_QUEUE',
    arg: 'N',
    help: 'requests waiting per model before 429 / RESOURCE_EXHAUSTED',
    default: String(DEFAULTS.maxQueue),
  },
  {
    name: 'batching',
    env: 'FERRY_EDGE_BATCHING',
    arg: 'LIST',
    help: 'batching per model overriding its manifest: name=maxBatch/maxDelayMs or name=off, comma-separated',
  },
  {
    name: 'poll-seconds',
    env: 'FERRY_EDGE_POLL_SECONDS',
    arg: 'S',
    help: 'how often followed aliases are re-checked (0: never)',
    default: String(DEFAULTS.pollMs / 1000),
  },
  {
    name: 'default-alias',
    env: 'FERRY_EDGE_DEFAULT_ALIAS',
    arg: 'A',
    help: 'alias a request without a version follows (falls back to latest)',
    default: DEFAULTS.defaultAlias,
  },
  {
    name: 'on-demand',
    env: 'FERRY_EDGE_ON_DEMAND',
    arg: 'true|false',
    help: 'load a model on its first request',
    default: 'true',
  },
  {
    name: 'request-timeout-ms',
    env: 'FERRY_EDGE_REQUEST_TIMEOUT_MS',
    arg: 'N',
    help: 'per-request timeout (0: none; a request\'s "timeout" parameter, in µs, may shorten it)',
    default: '0',
  },
  {
    name: 'max-body-bytes',
    env: 'FERRY_EDGE_MAX_BODY_BYTES',
    arg: 'N',
    help: 'largest request body (REST) or message (gRPC)',
    default: String(DEFAULTS.maxBodyBytes),
  },
  {
    name: 'cors',
    env: 'FERRY_EDGE_CORS',
    arg: '*|off|LIST',
    help: 'CORS origins for reads and infer (repository calls never get CORS)',
    default: '*',
  },
]

/** `ferry-edge --help`. */
export function helpText(): string {
  const rows = FLAGS.map((f) => {
    const left = `  --${f.name}${f.arg ? ` ${f.arg}` : ''}`
    return `${left.padEnd(34)}${f.help}${f.default !== undefined ? ` (default ${f.default})` : ''}\n${''.padEnd(34)}env ${f.env}`
  })
  return `ferry-edge: an Open Inference Protocol (KServe v2) server for the models of a Ferry registry

Usage: ferry-edge --registry URL [options]
       deno run --allow-net --allow-read --allow-env packages/edge/dist/deno.js --registry URL [options]

REST on --port: GET /v2, /v2/health/{live,ready}, /v2/models/{m}[/versions/{v}][/ready], POST …/infer
(JSON or Triton's binary tensor data), POST /v2/repository/{index,models/{m}/load,models/{m}/unload},
GET /v2/models[/{m}[/versions/{v}]]/stats, GET /metrics (Prometheus). gRPC inference.GRPCInferenceService
on --grpc-port. {v} is a version number or an alias; without one, the stable alias (else latest).

Options (each also read from its environment variable; a flag wins):
${rows.join('\n')}
  --help                          this text
  --version                       the version

Exit codes: 0 stopped by a signal, 2 bad usage, 1 could not start.
`
}

const int = (name: string, v: string, min = 0) => {
  const n = Number(v)
  if (!Number.isSafeInteger(n) || n < min)
    throw new FerryError('BAD_REQUEST', `--${name} must be an integer ≥ ${min}, got "${v}"`)
  return n
}

function parseBatching(v: string): Record<string, Batching | false> {
  const out: Record<string, Batching | false> = {}
  for (const part of v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const m = /^([a-z0-9][a-z0-9._-]{0,63})=(?:(off)|(\d+)\/(\d+(?:\.\d+)?))$/.exec(part)
    if (!m)
      throw new FerryError('BAD_REQUEST', `--batching: "${part}" is not name=maxBatch/maxDelayMs or name=off`)
    out[m[1] as string] = m[2] ? false : { maxBatchSize: Number(m[3]), maxDelayMs: Number(m[4]) }
  }
  return out
}

export type ParsedArgs = { help: true } | { version: true } | { options: ServeEdgeOptions }

/** Parses argv (after the script) and the environment into serve options; BAD_REQUEST on a mistake. */
export function parseArgs(argv: readonly string[], env: Record<string, string | undefined>): ParsedArgs {
  const given = new Map<string, string>()
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string
    if (a === '--help' || a === '-h') return { help: true }
    if (a === '--version') return { version: true }
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(a)
    const flag = m && FLAGS.find((f) => f.name === m[1])
    if (!m || !flag) throw new FerryError('BAD_REQUEST', `unknown argument "${a}" (see --help)`)
    const value = m[2] ?? argv[++i]
    if (value === undefined) throw new FerryError('BAD_REQUEST', `--${flag.name} needs a value`)
    given.set(flag.name, value)
  }
  const get = (name: string) => {
    const f = FLAGS.find((x) => x.name === name) as Flag
    const v = given.get(name) ?? env[f.env]
    return v === undefined || v === '' ? f.default : v
  }
  const registry = get('registry')
  if (!registry) throw new FerryError('BAD_REQUEST', '--registry (or FERRY_REGISTRY) is required')
  try {
    new URL(registry)
  } catch {
    throw new FerryError('BAD_REQUEST', `--registry "${registry}" is not a URL`)
  }
  const o: ServeEdgeOptions = { registry }
  o.port = int('port', get('port') as string)
  const grpc = get('grpc-port') as string
  o.grpcPort = grpc === 'off' ? null : int('grpc-port', grpc)
  o.host = get('host') as string
  const list = (v: string | undefined) =>
    v
      ? v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : undefined
  const models = list(get('models'))
  if (models) o.models = models
  const token = get('token')
  if (token) o.token = token
  const cacheDir = get('cache-dir')
  if (cacheDir) o.cacheDir = cacheDir
  const cacheMax = get('cache-max-bytes')
  if (cacheMax) o.cacheMaxBytes = int('cache-max-bytes', cacheMax, 1)
  const backends = list(get('backends'))
  if (backends) {
    for (const b of backends)
      if (!(BACKENDS as readonly string[]).includes(b))
        throw new FerryError('BAD_REQUEST', `--backends: "${b}" is not one of ${BACKENDS.join(', ')}`)
    o.backends = backends as BackendName[]
  }
  const maxCount = get('max-sessions')
  const maxBytes = get('max-session-bytes')
  if (maxCount || maxBytes)
    o.sessions = {
      ...(maxCount ? { maxCount: int('max-sessions', maxCount, 1) } : {}),
      ...(maxBytes ? { maxBytes: int('max-session-bytes', maxBytes, 1) } : {}),
    }
  o.maxQueue = int('max-queue', get('max-queue') as string, 1)
  const batching = get('batching')
  if (batching) o.batching = parseBatching(batching)
  const poll = Number(get('poll-seconds'))
  if (!(poll >= 0)) throw new FerryError('BAD_REQUEST', '--poll-seconds must be a number ≥ 0')
  o.pollMs = poll * 1000
  o.defaultAlias = get('default-alias') as string
  const onDemand = get('on-demand')
  if (onDemand !== 'true' && onDemand !== 'false')
    throw new FerryError('BAD_REQUEST', `--on-demand must be true or false, got "${onDemand}"`)
  o.onDemand = onDemand === 'true'
  o.requestTimeoutMs = int('request-timeout-ms', get('request-timeout-ms') as string)
  o.maxBodyBytes = int('max-body-bytes', get('max-body-bytes') as string, 1)
  const cors = get('cors') as string
  o.cors = cors === '*' ? '*' : cors === 'off' ? false : (list(cors) ?? false)
  return { options: o }
}
