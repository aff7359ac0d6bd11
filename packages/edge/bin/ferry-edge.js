#!/usr/bin/env node
// Launcher for `ferry-edge`: runs the built server (dist/, made by `npm run build`) and exits with its code.
import { existsSync } from 'node:fs'

const entry = new URL('../dist/cli/main.js', import.meta.url)
if (!existsSync(entry)) {
  process.stderr.write('ferry-edge: not built yet; run `npm run build` at the repository root first\n')
  process.exit(1)
}
const { main } = await import(entry.href)
process.exit(await main(process.argv.slice(2)))
