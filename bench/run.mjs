// `npm run bench [name…]`: runs every benchmark in this folder (or those named), one after another.
// Each benchmark prints its own ratio table against a baseline measured in the same run.
import { spawnSync } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const wanted = process.argv.slice(2)
const all = readdirSync(here)
  .filter((f) => f.endsWith('.mjs') && f !== 'run.mjs' && !f.startsWith('_'))
  .sort()
const picked = wanted.length ? all.filter((f) => wanted.some((w) => f.includes(w))) : all
if (picked.length === 0) {
  console.error(`no benchmark matches ${wanted.join(' ')}; have: ${all.join(', ')}`)
  process.exit(2)
}
let failed = 0
for (const f of picked) {
  console.log(`\n=== ${f} ===`)
  const r = spawnSync(process.execPath, ['--expose-gc', join(here, f)], { stdio: 'inherit' })
  if (r.status !== 0) failed++
}
process.exit(failed ? 1 : 0)
