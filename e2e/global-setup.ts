// Builds the runtime's browser bundle before the e2e run when it is missing or older than its sources
// (FERRY_E2E_BUILD=1 forces a build, FERRY_E2E_BUILD=0 never builds), and starts one throwaway Ceph S3
// endpoint for the run in the background (scripts/ceph/cluster.mjs): specs that need it wait for the JSON
// file named by FERRY_E2E_CEPH_FILE (fixtures/s3.ts); it is stopped when the run ends. FERRY_TEST_CEPH
// reuses a running one instead.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { startCeph } from '../scripts/ceph/cluster.mjs'
import { repoRoot } from './fixtures/models.js'

function newestMtime(dir: string): number {
  let newest = 0
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name)
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs)
  }
  return newest
}

/** Starts Ceph without waiting for it; the returned teardown stops it. */
function startCephInBackground(): () => Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'ferry-e2e-ceph-'))
  const file = path.join(dir, 'ceph.json')
  process.env.FERRY_E2E_CEPH_FILE = file
  // FERRY_TEST_CEPH (printed by `node scripts/ceph/cluster.mjs`) reuses a running cluster.
  const reuse = process.env.FERRY_TEST_CEPH
  const starting = reuse
    ? writeFile(file, reuse).then(() => null)
    : startCeph().then(
        async (c) => {
          const { endpoint, endpoints, region, accessKeyId, secretAccessKey, bucket } = c
          await writeFile(
            file,
            JSON.stringify({ endpoint, endpoints, region, accessKeyId, secretAccessKey, bucket }),
          )
          return c
        },
        async (err: Error) => {
          await writeFile(file, JSON.stringify({ error: err.message }))
          return null
        },
      )
  return async () => {
    await (await starting)?.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

export default function globalSetup(): () => Promise<void> {
  const stopCeph = startCephInBackground()
  buildRuntime()
  return stopCeph
}

function buildRuntime(): void {
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
