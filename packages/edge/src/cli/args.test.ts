// The ferry-edge command line: flags, their environment variables, --help, and clear usage errors.
import { describe, expect, it } from 'vitest'
import { FLAGS, helpText, parseArgs } from './args.js'

const options = (argv: string[], env: Record<string, string> = {}) => {
  const r = parseArgs(argv, env)
  if (!('options' in r)) throw new Error('expected options')
  return r.options
}

describe('ferry-edge arguments', () => {
  it('--help documents every flag with its environment variable', () => {
    const help = helpText()
    for (const f of FLAGS) {
      expect(help).toContain(`--${f.name}`)
      expect(help).toContain(`env ${f.env}`)
    }
    expect(parseArgs(['--help'], {})).toEqual({ help: true })
  })

  it('reads flags, falls back to the environment, and a flag wins', () => {
    const o = options(
      [
        '--registry',
        'http://r:8080',
        '--port=0',
        '--grpc-port',
        'off',
        '--models',
        'digits, silero-vad:2',
        '--batching',
        'digits=32/2,ocr-det=off',
      ],
      {
        FERRY_EDGE_TOKEN: 't',
        FERRY_EDGE_PORT: '9',
        FERRY_EDGE_POLL_SECONDS: '0.5',
        FERRY_EDGE_CORS: 'https://a.example,https://b.example',
      },
    )
    expect(o).toMatchObject({
      registry: 'http://r:8080',
      port: 0,
      grpcPort: null,
      models: ['digits', 'silero-vad:2'],
      token: 't',
      pollMs: 500,
      batching: { digits: { maxBatchSize: 32, maxDelayMs: 2 }, 'ocr-det': false },
      cors: ['https://a.example', 'https://b.example'],
      onDemand: true,
      cacheDir: '.ferry/edge-cache',
    })
    expect(options([], { FERRY_REGISTRY: 'http://x', FERRY_EDGE_SESSIONS: '' })).toMatchObject({
      port: 8000,
      grpcPort: 8001,
      cors: '*',
    })
  })

  it('names what is wrong', () => {
    const fail = (argv: string[], env: Record<string, string> = {}) => {
      try {
        parseArgs(argv, env)
      } catch (e) {
        return (e as Error).message
      }
      return 'ok'
    }
    expect(fail([])).toMatch(/--registry \(or FERRY_REGISTRY\) is required/)
    expect(fail(['--registry', 'nope'])).toMatch(/not a URL/)
    expect(fail(['--registry', 'http://r', '--port', '-1'])).toMatch(/--port must be an integer/)
    expect(fail(['--registry', 'http://r', '--backends', 'tpu'])).toMatch(/"tpu" is not one of/)
    expect(fail(['--registry', 'http://r', '--batching', 'digits=fast'])).toMatch(/name=maxBatch\/maxDelayMs/)
    expect(fail(['--registry', 'http://r', '--nope'])).toMatch(/unknown argument "--nope"/)
    expect(fail(['--registry'])).toMatch(/needs a value/)
  })
})
