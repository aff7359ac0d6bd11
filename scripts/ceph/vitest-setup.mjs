// Vitest global setup: one Ceph S3 endpoint for the whole unit run (scripts/ceph/cluster.mjs), started in
// the background so other tests need not wait for it; tests that use it wait for the JSON file named by
// inject('cephFile'), which holds the endpoint and keys, or `{ "error": … }` (they then fail with it,
// never skip). Torn down after the run. FERRY_TEST_CEPH='{"endpoint":…,"accessKeyId":…,"secretAccessKey":…,
// "region":…,"bucket":…}' reuses a running one instead (e.g. from `node scripts/ceph/cluster.mjs`).
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startCephInBackground } from './cluster.mjs'

export default async function setup(project) {
  const dir = await mkdtemp(join(tmpdir(), 'ferry-vitest-ceph-'))
  const file = join(dir, 'ceph.json')
  project.provide('cephFile', file)
  const stop = startCephInBackground(file)
  return async () => {
    await stop()
    await rm(dir, { recursive: true, force: true })
  }
}
