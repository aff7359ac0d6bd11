/** The few Deno APIs the registry's Deno adapter uses, typed here so the package builds without Deno's types. */

export interface DenoServer {
  finished: Promise<void>
  shutdown(): Promise<void>
}

export interface DenoApi {
  args: string[]
  env: { toObject(): Record<string, string> }
  exit(code: number): never
  stdout: { writeSync(bytes: Uint8Array): number }
  stderr: { writeSync(bytes: Uint8Array): number }
  serve(
    options: {
      port: number
      hostname: string
      signal?: AbortSignal
      automaticCompression?: boolean
      onListen?: (addr: { hostname: string; port: number }) => void
      onError?: (error: unknown) => Response | Promise<Response>
    },
    handler: (req: Request, info: unknown) => Response | Promise<Response>,
  ): DenoServer
  addSignalListener(signal: 'SIGINT' | 'SIGTERM', fn: () => void): void
  removeSignalListener(signal: 'SIGINT' | 'SIGTERM', fn: () => void): void
}

/** The Deno global; throws when not on Deno. */
export function deno(): DenoApi {
  const D = (globalThis as { Deno?: DenoApi }).Deno
  if (!D) throw new Error('this module runs on Deno (deno run … dist/deno.js); on Node use ferry serve')
  return D
}
