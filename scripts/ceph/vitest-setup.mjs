// Vitest global setup: one Ceph S3 endpoint for the whole unit run (scripts/ceph/cluster.mjs), started in
// the background so other tests need not wait for it; tests that use it wait for the JSON file named by
// inject('cephFile'), which holds the endpoint and keys, or `{ "error": … }` (they then fail with it,
// never skip). Torn down after the run. FERRY_TEST_CEPH='{"endpoint":…,"accessKeyId":…,"secretAccessKey":…,
// "region":…,"bucket":…}' reuses a running one instead (e.g. from `node scripts/ceph/cluster.mjs`).
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startCeph } from './cluster.mjs'

export default async function setup(project) {
  const dir = await mkdtemp(join(tmpdir(), 'ferry-vitest-ceph-'))
  const file = join(dir, 'ceph.json')
  project.provide('cephFile', file)
  if (process.env.FERRY_TEST_CEPH) {
    await writeFile(file, process.env.FERRY_TEST_CEPH)
    return () => rm(dir, { recursive: true, force: true })
  }
  const starting = startCeph().then(
    async (c) => {
      const { endpoint, endpoints, region, accessKeyId, secretAccessKey, bucket } = c
      await writeFile(
        file,
        JSON.stringify({ endpoint, endpoints, region, accessKeyId, secretAccessKey, bucket }),
      )
      return c
    },
    async (err) => {
      await writeFile(file, JSON.stringify({ error: err.message }))
      return null
    },
  )
  return async () => {
    await (await starting)?.stop()
    await rm(dir, { recursive: true, force: true })
  }
}
