// Builds the runtime's browser bundle before the e2e run when it is missing or older than its sources
// (FERRY_E2E_BUILD=1 forces a build, FERRY_E2E_BUILD=0 never builds), and starts one throwaway Ceph S3
// endpoint for the run in the background (scripts/ceph/cluster.mjs): specs that need it wait for the JSON
// file named by FERRY_E2E_CEPH_FILE (fixtures/s3.ts); it is stopped when the run ends. FERRY_TEST_CEPH
// reuses a running one instead.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { startCephInBackground } from '../scripts/ceph/cluster.mjs'
import { repoRoot } from './fixtures/models.js'

function newestMtime(dir: string): number {
  let newest = 0
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name)
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs)
  }
  return newest
}

/** Where the e2e suite's own bundles go (served at /e2e-build/): the fault-injecting engine worker. */
export const e2eBuild = path.join(repoRoot, 'e2e/.build')

/** Bundles fixtures/fault-worker.ts (Ferry's worker API plus wrapped backends) for the browser. */
async function buildFaultWorker(): Promise<void> {
  const { build } = await import('esbuild')
  await build({
    entryPoints: [path.join(repoRoot, 'e2e/fixtures/fault-worker.ts')],
    outfile: path.join(e2eBuild, 'fault-worker.mjs'),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    conditions: ['@ferry/source'],
    logLevel: 'warning',
  })
}

/** The Deno entries the specs run: Ferry Edge's and the registry's (built by one tsc -b of packages/edge). */
const denoEntries = ['packages/edge/dist/deno.js', 'packages/registry-server/dist/deno.js']

/** Builds packages/edge and what it references (tsc) when a Deno entry is missing or older than its sources. */
function buildEdge(): void {
  const built = Math.min(
    ...denoEntries.map((f) => {
      try {
        return statSync(path.join(repoRoot, f)).mtimeMs
      } catch {
        return 0
      }
    }),
  )
  const sources = [
    'packages/edge/src',
    'packages/runtime/src',
    'packages/protocol/src',
    'packages/registry-server/src',
  ]
  const newest = Math.max(...sources.map((d) => newestMtime(path.join(repoRoot, d))))
  if (process.env.FERRY_E2E_BUILD !== '1' && built > newest) return
  console.log('[e2e] building packages/edge and the registry (for Deno)')
  execFileSync('npx', ['tsc', '-b', 'packages/edge'], { cwd: repoRoot, stdio: 'inherit' })
}

/** Starts Ceph without waiting for it; the returned teardown stops it. */
function startCephForRun(): () => Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'ferry-e2e-ceph-'))
  const file = path.join(dir, 'ceph.json')
  process.env.FERRY_E2E_CEPH_FILE = file
  const stop = startCephInBackground(file)
  return async () => {
    await stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

export default async function globalSetup(): Promise<() => Promise<void>> {
  const stopCeph = startCephForRun()
  await buildFaultWorker()
  buildRuntime()
  return stopCeph
}

function buildRuntime(): void {
  if (process.env.FERRY_E2E_BUILD === '0') return
  buildEdge()
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
