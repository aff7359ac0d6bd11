/** Test helper: S3 store configs on the Ceph RGW that vitest's global setup started (scripts/ceph). */
import { inject } from 'vitest'
import type { S3StoreConfig } from './config.js'

export interface CephEndpoint {
  endpoint: string
  endpoints: string[]
  region: string
  accessKeyId: string
  secretAccessKey: string
  bucket: string
}

declare module 'vitest' {
  export interface ProvidedContext {
    ceph: CephEndpoint | { error: string }
  }
}

/** The running Ceph endpoint; throws (failing the test, loudly) when none could be started. */
export function ceph(): CephEndpoint {
  const c = inject('ceph')
  if (!c || 'error' in c)
    throw new Error(c?.error ?? 'no Ceph endpoint: run the tests through vitest.config.ts')
  return c
}

/** A config for a fresh, empty store: the shared bucket under a prefix of its own. */
export function cephStoreConfig(extra: Partial<S3StoreConfig> = {}): S3StoreConfig {
  const c = ceph()
  return {
    bucket: c.bucket,
    prefix: `t-${crypto.randomUUID()}/`,
    region: c.region,
    accessKeyId: c.accessKeyId,
    secretAccessKey: c.secretAccessKey,
    endpoint: c.endpoint,
    ...extra,
  }
}
