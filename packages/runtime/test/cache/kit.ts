/**
 * What the cache's shared cases (`cases.ts`) are written with: storage factories, assertions, test
 * blobs and manifests, faulty drivers. Free of any test framework: the same cases run under Vitest
 * against every driver (`suite.ts`) and inside real Chromium against IndexedDB (e2e).
 */
import type { CacheEvent, Manifest } from '@ferry/protocol'
import type { CacheOptions } from '../../src/cache/core.js'
import { type CacheDriver, quotaError } from '../../src/cache/driver.js'
import type { ModelCache, VersionRef } from '../../src/cache/types.js'

/** Opens handles on one fresh, empty storage; every `open()` sees the same data (like two tabs). */
export type DriverFactory = () => Promise<{ open: () => CacheDriver; cleanup?: () => Promise<void> }>

export interface CaseEnv {
  open: () => CacheDriver
  /** A cache over a new driver handle on the same storage; events land in `events`. */
  cache: (options?: CacheOptions, driver?: CacheDriver) => { cache: ModelCache; events: CacheEvent[] }
}

export type CacheCase = (env: CaseEnv) => Promise<void>

export class CaseFailure extends Error {}
export const ok = (cond: unknown, msg: string) => {
  if (!cond) throw new CaseFailure(msg)
}
export const eq = (actual: unknown, expected: unknown, msg: string) => {
  const a = JSON.stringify(actual)
  const e = JSON.stringify(expected)
  if (a !== e) throw new CaseFailure(`${msg}: expected ${e}, got ${a}`)
}
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Deterministic bytes and their real sha256 digest. */
export async function blob(seed: number, size: number): Promise<{ digest: string; bytes: Uint8Array }> {
  const bytes = new Uint8Array(size)
  let x = seed * 2654435761
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245 + 12345) >>> 0
    bytes[i] = x >>> 24
  }
  const hash = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))
  return { digest: `sha256:${[...hash].map((b) => b.toString(16).padStart(2, '0')).join('')}`, bytes }
}

export function manifest(
  name: string,
  version: number,
  files: Array<{ digest: string; bytes: Uint8Array }>,
): Manifest {
  return {
    schemaVersion: 1,
    name,
    version,
    format: 'onnx',
    files: files.map((f, i) => ({
      path: i === 0 ? 'model.onnx' : `extra-${i}.bin`,
      role: i === 0 ? 'model' : 'external-data',
      digest: f.digest,
      size: f.bytes.byteLength,
    })),
    inputs: [{ name: 'x', dtype: 'float32', shape: [1] }],
    outputs: [{ name: 'y', dtype: 'float32', shape: [1] }],
    createdAt: '2026-11-26T00:00:00Z',
    metadata: {},
  } as Manifest
}

/** Stores a version the way the engine does: manifest (with alias), then each file. */
export async function cacheVersion(
  c: ModelCache,
  name: string,
  version: number,
  files: Array<{ digest: string; bytes: Uint8Array }>,
  alias?: string,
) {
  await c.putManifest(manifest(name, version, files), alias ? { alias } : undefined)
  const results = []
  for (const f of files) results.push(await c.put(f.digest, f.bytes, { name, version }))
  await sleep(3)
  return results
}
export const names = async (c: ModelCache) => (await c.list()).map((e) => `${e.name}@${e.version}`)
export const load = async (c: ModelCache, ref: VersionRef, files: Array<{ digest: string }>) => {
  const out = []
  for (const f of files) out.push(await c.get(f.digest, ref))
  await sleep(3)
  return out
}
export const actions = (events: CacheEvent[]) => events.map((e) => `${e.action}:${e.model}@${e.version}`)

/** Every case, by name. */

/** A driver whose every call fails, like IndexedDB in some private modes. */
export function broken(driver: CacheDriver): CacheDriver {
  const fail = async () => {
    throw new DOMException('the database connection is closing', 'InvalidStateError')
  }
  return {
    ...driver,
    getRecord: fail,
    records: fail,
    setRecords: fail,
    writeBlob: fail,
    readBlob: fail,
    deleteBlobs: fail,
    blobDigests: fail,
    clear: fail,
  }
}

/** Wraps a driver so blob writes beyond `quota` bytes in total throw the platform's quota error. */
export function withQuota(driver: CacheDriver, quota: number): CacheDriver {
  return {
    ...driver,
    async writeBlob(digest, bytes, records) {
      const stored = (await driver.records<{ size: number }>('b:')).reduce((n, [, r]) => n + r.size, 0)
      if (stored + bytes.byteLength > quota) throw quotaError()
      return driver.writeBlob(digest, bytes, records)
    },
  }
}
