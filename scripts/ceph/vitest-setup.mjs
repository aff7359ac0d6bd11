// Vitest global setup: one Ceph S3 endpoint for the whole unit run (scripts/ceph/cluster.mjs), handed to
// tests as inject('ceph'); torn down after. When Ceph cannot start, tests that need it fail with the
// reason (inject('ceph').error) instead of being skipped. FERRY_TEST_CEPH='{"endpoint":…,"accessKeyId":…,
// "secretAccessKey":…,"region":…,"bucket":…}' reuses a running one (e.g. from `node scripts/ceph/cluster.mjs`).
import { startCeph } from './cluster.mjs'

export default async function setup(project) {
  if (process.env.FERRY_TEST_CEPH) {
    project.provide('ceph', JSON.parse(process.env.FERRY_TEST_CEPH))
    return
  }
  let cluster
  try {
    cluster = await startCeph()
  } catch (err) {
    project.provide('ceph', { error: err.message })
    return
  }
  const { endpoint, endpoints, region, accessKeyId, secretAccessKey, bucket } = cluster
  project.provide('ceph', { endpoint, endpoints, region, accessKeyId, secretAccessKey, bucket })
  return () => cluster.stop()
}
