/**
 * The flags of `ferry serve`, declared once for the Node CLI and the Deno entry (`dist/deno.js`), so both
 * parse and document them alike; flags whose mechanism only the Node server has are declared on Node only.
 */
import { type Command, Option } from 'commander'
import { TOKEN_FLAG_HELP } from './token.js'

/** Where `ferry serve` runs: the Node CLI, or `deno run … dist/deno.js`. */
export type ServePlatform = 'node' | 'deno'

export interface ServeFlags {
  port: string
  host: string
  store: string
  token?: string[]
  tokenFile?: string
  readToken?: boolean
  corsWriteOrigin?: string[]
  s3Endpoint?: string
  blobRedirect?: boolean
  requestTimeout?: string
  trustProxy?: string
  // Node only:
  seed?: boolean
  playground?: string
  idleTimeout?: string
  maxConnections?: string
}

/** Appends each value of a repeatable flag. */
export const collect = (value: string, previous: string[] = []): string[] => [...previous, value]

/** Like collect, and splits commas (for values that also come from an environment variable). */
export const collectList = (value: string, previous: string[] = []): string[] => [
  ...previous,
  ...value
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean),
]

/** `--s3-endpoint`, mirrored by AWS_ENDPOINT_URL_S3. */
export const s3EndpointOption = (): Option =>
  new Option('--s3-endpoint <url>', 'S3 endpoint of a self-hosted store (path-style; default: AWS S3)').env(
    'AWS_ENDPOINT_URL_S3',
  )

export const S3_HELP = `
S3 stores (s3://bucket/prefix) take the AWS variables: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
AWS_SESSION_TOKEN, AWS_REGION (default us-east-1), AWS_ENDPOINT_URL_S3 (or --s3-endpoint) for a
self-hosted store such as Ceph RGW or MinIO, reached path-style. Tested on Ceph RGW 16.2.`

const FLEET_HELP = `
Several instances may serve one s3:// store behind a load balancer (they keep no state of their own),
on Node or on Deno (deno run --allow-net --allow-read --allow-env packages/registry-server/dist/deno.js).
Behind a proxy, --trust-proxy 1 takes the client address for the telemetry collector's per-IP limits
from X-Forwarded-For. Each instance's /metrics counts what it received: Prometheus sums over instances.`

const DENO_HELP = `
On Deno the store must be s3://… (the fs store, --seed and --playground are Node-only), and Deno.serve
manages connections itself (--idle-timeout and --max-connections are Node-only).`

/** Declares `ferry serve`'s flags on `cmd` for `platform`. */
export function addServeOptions(cmd: Command, platform: ServePlatform): Command {
  const node = platform === 'node'
  cmd
    .addOption(new Option('--port <n>', 'port to listen on (0: any free port)').env('PORT').default('8080'))
    .option('--host <host>', 'address to bind', '127.0.0.1')
  const store = node
    ? new Option(
        '--store <dir|s3://bucket/prefix>',
        'store: a folder, or an S3 bucket (and key prefix) that several instances may share',
      ).default('.ferry/store')
    : new Option(
        '--store <s3://bucket/prefix>',
        'the S3 bucket (and key prefix) to serve; several instances may share it',
      ).makeOptionMandatory()
  cmd.addOption(store.env('FERRY_STORE'))
  cmd
    .addOption(s3EndpointOption())
    .option(
      '--blob-redirect',
      'S3 store: answer blob GETs with a 302 to a presigned URL valid 300 s (bytes bypass the registry)',
    )
    .option(
      '--token-file <file>',
      'tokens allowed to write, one per line (also $FERRY_TOKEN_FILE, or $FERRY_TOKEN comma-separated)',
    )
    .option('--token <token>', `a token allowed to write (repeatable); ${TOKEN_FLAG_HELP}`, collect)
    .option('--read-token', 'require a token for reads too')
    .addOption(
      new Option(
        '--cors-write-origin <origin>',
        'let browser pages on ORIGIN make write calls (repeatable; * for any); other origins get 403',
      )
        .env('FERRY_CORS_WRITE_ORIGINS')
        .argParser(collectList),
    )
    .addOption(
      new Option(
        '--request-timeout <seconds>',
        'longest a request may take until its answer starts, uploads included (default: 600); staging ' +
          'leftovers older than 1.5 times this are swept',
      ).env('FERRY_REQUEST_TIMEOUT'),
    )
    .addOption(
      new Option(
        '--trust-proxy <hops>',
        'behind HOPS proxies of your own, take the client address from X-Forwarded-For (default: 0, the socket peer)',
      ).env('FERRY_TRUST_PROXY'),
    )
  if (node) {
    cmd
      .option(
        '--idle-timeout <seconds>',
        'close a connection idle this long, mid-download included (default: 30; 0: never)',
      )
      .option(
        '--max-connections <n>',
        'serve at most N connections; past it 503, health still answers (default: 1000; 0: no cap)',
      )
      .option('--seed', 'publish the bundled pretrained models into the store first')
      .option('--playground <dir>', 'also serve this folder (a built playground) at /')
  }
  return cmd.addHelpText('after', `${S3_HELP}\n${FLEET_HELP}${node ? '' : `\n${DENO_HELP}`}`)
}
