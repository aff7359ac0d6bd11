/** Test helper: S3 store configs on the Ceph RGW that vitest's global setup starts (scripts/ceph). */
import { readFile } from 'node:fs/promises'
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
    cephFile: string
  }
}

let ready: Promise<CephEndpoint> | undefined

/** The running Ceph endpoint, once it is up; throws (failing the test, loudly) when none could start. */
export function ceph(): Promise<CephEndpoint> {
  ready ??= (async () => {
    const file = inject('cephFile')
    if (!file) throw new Error('no Ceph endpoint: run the tests through vitest.config.ts')
    const end = Date.now() + 120_000
    for (;;) {
      const text = await readFile(file, 'utf8').catch(() => null)
      if (text) {
        const c = JSON.parse(text) as CephEndpoint | { error: string }
        if ('error' in c) throw new Error(c.error)
        return c
      }
      if (Date.now() > end) throw new Error('Ceph did not start in 120 s (scripts/ceph/start.sh)')
      await new Promise((r) => setTimeout(r, 200))
    }
  })()
  return ready
}

/** A config for a fresh, empty store: the shared bucket under a prefix of its own. */
export async function cephStoreConfig(extra: Partial<S3StoreConfig> = {}): Promise<S3StoreConfig> {
  const c = await ceph()
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
