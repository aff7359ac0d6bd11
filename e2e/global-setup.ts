// Builds the runtime's browser bundle before the e2e run when it is missing or older than its sources
// (FERRY_E2E_BUILD=1 forces a build, FERRY_E2E_BUILD=0 never builds).
import { execFileSync } from 'node:child_process'
import { readdirSync, statSync } from 'node:fs'
import path from 'node:path'
import { repoRoot } from './fixtures/models.js'

function newestMtime(dir: string): number {
  let newest = 0
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name)
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs)
  }
  return newest
}

export default function globalSetup(): void {
  if (process.env.FERRY_E2E_BUILD === '0') return
  const bundle = path.join(repoRoot, 'packages/runtime/dist/browser/ferry.js')
  const built = (() => {
    try {
      return statSync(bundle).mtimeMs
    } catch {
      return 0
    }
  })()
  const sources = ['packages/runtime/src', 'packages/protocol/src', 'packages/runtime/scripts']
    .map((d) => path.join(repoRoot, d))
    .map((d) => {
      try {
        return newestMtime(d)
      } catch {
        return 0
      }
    })
  if (process.env.FERRY_E2E_BUILD !== '1' && built > Math.max(...sources)) return
  console.log(`[e2e] building the runtime (${built ? 'sources changed' : 'no bundle yet'})`)
  execFileSync('npm', ['run', 'build', '-w', 'packages/runtime'], { cwd: repoRoot, stdio: 'inherit' })
}
