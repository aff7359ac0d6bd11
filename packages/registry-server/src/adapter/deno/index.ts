/** @ferry/registry-server/deno: the registry app served with `Deno.serve` (the CLI entry is dist/deno.js). */
export { type DenoServeOptions, serveOnDeno } from './serve.js'
export { withoutSizeHints } from './store.js'
