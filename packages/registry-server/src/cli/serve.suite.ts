/** Test helper: `ferry serve` in this process (serveCommand), resolved with its base URL once it listens. */
import { serveCommand } from './serve.js'
import type { ServeFlags } from './serve-options.js'

/** Starts `ferry serve` with these flags and environment; `signal` stops it. Resolves to `http://host:port`. */
export function serveInProcess(
  flags: ServeFlags,
  env: Record<string, string>,
  signal: AbortSignal,
): Promise<string> {
  let out = ''
  return new Promise<string>((resolve, reject) => {
    const io = {
      stdout: {
        write: (s: string) => {
          out += s
          const m = /Registry: (\S+)\/v1/.exec(out)
          if (m?.[1]) resolve(m[1])
          return true
        },
      },
      stderr: { write: () => true },
      env,
    }
    serveCommand(flags, io, signal).then(
      () => reject(new Error(`ferry serve stopped before printing its URL:\n${out}`)),
      reject,
    )
  })
}
