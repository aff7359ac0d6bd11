/** Test helper: S3 store configs on the Ceph RGW that vitest's global setup starts (scripts/ceph). */
import { inject } from 'vitest'
import { type CephEndpoint, storeConfigFor, waitForCeph } from '../../../../../scripts/ceph/cluster.mjs'
import type { S3StoreConfig } from './config.js'

export type { CephEndpoint }
export { storeConfigFor }

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
    return waitForCeph(file)
  })()
  return ready
}

/** A config for a fresh, empty store: the shared bucket under a prefix of its own. */
export async function cephStoreConfig(extra: Partial<S3StoreConfig> = {}): Promise<S3StoreConfig> {
  return { ...storeConfigFor(await ceph(), `t-${crypto.randomUUID()}`), ...extra }
}
