/** `ferry-edge` on Node: parses flags and environment, serves, and stops cleanly on SIGINT/SIGTERM. */
import { serveEdge } from '../adapter/node.js'
import { EDGE_VERSION } from '../options.js'
import { helpText, parseArgs } from './args.js'

/** Runs the CLI; resolves with the exit code once the server stopped (or could not start). */
export async function main(
  argv: string[],
  env: Record<string, string | undefined> = process.env,
): Promise<number> {
  let parsed: ReturnType<typeof parseArgs>
  try {
    parsed = parseArgs(argv, env)
  } catch (err) {
    process.stderr.write(`ferry-edge: ${(err as Error).message}\n`)
    return 2
  }
  if ('help' in parsed) {
    process.stdout.write(helpText())
    return 0
  }
  if ('version' in parsed) {
    process.stdout.write(`${EDGE_VERSION}\n`)
    return 0
  }
  const { options } = parsed
  let edge: Awaited<ReturnType<typeof serveEdge>>
  try {
    edge = await serveEdge(options)
  } catch (err) {
    const e = err as { code?: string; message?: string }
    process.stderr.write(
      `ferry-edge: could not start: ${e.code === 'EADDRINUSE' ? `port in use (${e.message})` : e.message}\n`,
    )
    return 1
  }
  process.stderr.write(
    `ferry-edge: REST ${edge.url}/v2${edge.grpcPort !== null ? `, gRPC ${options.host ?? '127.0.0.1'}:${edge.grpcPort}` : ''}, registry ${options.registry}\n`,
  )
  // Machine-readable line on stdout: where it listens.
  process.stdout.write(`${JSON.stringify({ url: edge.url, grpcPort: edge.grpcPort })}\n`)
  void edge.app.edge.preload.then(({ failed }) => {
    if (failed.length) process.stderr.write(`ferry-edge: not ready: ${failed.join(', ')} failed to load\n`)
  })
  return new Promise<number>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
      edge.close().then(
        () => resolve(0),
        () => resolve(0),
      )
    }
    process.on('SIGINT', stop)
    process.on('SIGTERM', stop)
  })
}
