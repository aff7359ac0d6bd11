/** The few Deno APIs the Deno entries use (typed here so the package builds without Deno's types). */
export interface DenoApi {
  args: string[]
  env: { toObject(): Record<string, string> }
  exit(code: number): never
  serve(
    options: { port: number; hostname: string; onListen?: (a: { hostname: string; port: number }) => void },
    handler: (req: Request) => Response | Promise<Response>,
  ): { finished: Promise<void>; shutdown(): Promise<void> }
  addSignalListener(signal: 'SIGINT' | 'SIGTERM', fn: () => void): void
}

/** The Deno global. */
export const deno = (): DenoApi => (globalThis as unknown as { Deno: DenoApi }).Deno

/** What the server metadata says about gRPC on Deno. */
export const DENO_GRPC = {
  served: false,
  reason:
    "not served on Deno: gRPC needs HTTP/2 response trailers, which Deno's HTTP server (Deno.serve) cannot send; run ferry-edge on Node for gRPC",
} as const
