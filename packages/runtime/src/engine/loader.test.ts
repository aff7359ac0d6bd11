// loadFiles against a real in-process registry and a memory cache wrapped to control its digest checks
// and stores: cached bytes overlap their check with `use` and are refetched when it fails; downloads are
// checked before use when small, on a helper worker while use runs when large; stores run in the
// background with the version retained until they settle.
import type { FerryError, Manifest, TelemetryEvent } from '@ferry/protocol'
import { describe, expect, it } from 'vitest'
import { BlobUrlWorker } from '../../test/blob-url-worker.js'
import { createTestRegistry, REGISTRY, tamperBlobs } from '../../test/registry.js'
import { createMemoryCache } from '../cache/memory.js'
import type { ModelCache } from '../cache/types.js'
import { type RegistryContext, resolveManifest } from '../registry-client/resolve.js'
import { type FetchOptions, loadFiles } from './loader.js'

const deferred = <T>() => {
  let resolve!: (v: T) => void
  const promise = new Promise<T>((r) => {
    resolve = r
  })
  return { promise, resolve }
}
const tick = () => new Promise((r) => setTimeout(r, 5))
const SIG = { inputs: [{ name: 'x', dtype: 'float32' as const, shape: [1] }], outputs: [] }

async function setup(cache: ModelCache = createMemoryCache(), size = 4096) {
  const reg = createTestRegistry()
  const bytes = Uint8Array.from({ length: size }, (_, i) => (i * 7) & 0xff)
  await reg.publish('m', [{ path: 'model.onnx', role: 'model', bytes }], SIG)
  const ctx: RegistryContext = { registry: REGISTRY, fetch: reg.fetch, cache }
  const manifest: Manifest = await resolveManifest(ctx, 'm', 1)
  const events: TelemetryEvent[] = []
  const opts: FetchOptions = {
    partials: new Map(),
    suspect: new Set(),
    storing: new Set(),
    emit: (e) => events.push(e),
  }
  return { reg, bytes, ctx, manifest, events, opts, digest: manifest.files[0]?.digest as string }
}

describe('loadFiles', () => {
  it('stores downloads in the background, keeping the version retained until the store settles', async () => {
    const inner = createMemoryCache()
    const put = deferred<boolean>()
    let retained = 0
    const cache: ModelCache = {
      ...inner,
      retain(ref) {
        retained++
        const release = inner.retain(ref)
        return () => {
          retained--
          release()
        }
      },
      put: async (d, b, o) => (await put.promise) && inner.put(d, b, o),
    }
    const { ctx, manifest, events, opts, bytes } = await setup(cache)
    const got = await loadFiles(ctx, manifest, opts, async (files) => files.get('model.onnx'))
    expect(got.source).toBe('network')
    expect(got.value).toEqual(bytes)
    expect(retained).toBe(1)
    expect(opts.storing.size).toBe(1)
    expect(events.map((e) => e.type === 'cache' && e.action)).toEqual(['miss'])
    put.resolve(true)
    await Promise.all(opts.storing)
    await tick()
    expect(retained).toBe(0)
    expect(opts.storing.size).toBe(0)
    expect(events.map((e) => e.type === 'cache' && e.action)).toEqual(['miss', 'store'])
    const again = await loadFiles(ctx, manifest, opts, async () => 'made')
    expect(again.source).toBe('cache')
  })

  it('overlaps use with the check of cached bytes; a failed check undoes it and refetches', async () => {
    const inner = createMemoryCache()
    const check = deferred<boolean>()
    const cache: ModelCache = {
      ...inner,
      read: async () => ({ bytes: new Uint8Array(4096), verified: check.promise }),
    }
    const { ctx, manifest, opts, bytes, reg } = await setup(cache)
    const used: Uint8Array[] = []
    const undone: number[] = []
    let settled = false
    const load = loadFiles(
      ctx,
      manifest,
      opts,
      async (files) => used.push(files.get('model.onnx') as Uint8Array),
      async (n) => {
        undone.push(n)
      },
    ).then((r) => {
      settled = true
      return r
    })
    await tick()
    // `use` already has the cached bytes, but the load does not resolve before their check does.
    expect(used).toHaveLength(1)
    expect(settled).toBe(false)
    expect(reg.log.filter((l) => l.includes('/blobs/'))).toHaveLength(0)
    check.resolve(false)
    const got = await load
    expect(undone).toEqual([1])
    expect(used[1]).toEqual(bytes)
    expect(got).toEqual({ value: 2, source: 'network' })
    expect(reg.log.filter((l) => l.includes('/blobs/'))).toHaveLength(1)
  })

  it('checks a small download before use: tampered bytes fail with INTEGRITY_MISMATCH, never used', async () => {
    const { ctx, manifest, opts, reg, digest, events } = await setup()
    reg.intercept = tamperBlobs()
    let used = 0
    const err = await loadFiles(ctx, manifest, opts, async () => used++).catch((e: FerryError) => e)
    expect((err as FerryError).code).toBe('INTEGRITY_MISMATCH')
    expect(used).toBe(0)
    expect(opts.suspect.has(digest)).toBe(true)
    await Promise.all(opts.storing)
    expect(events.filter((e) => e.type === 'cache')).toEqual([])
  })

  it('checks a large download on a helper worker while use runs: tampered bytes are undone, never returned nor stored', async () => {
    const g = globalThis as { Worker?: unknown }
    g.Worker = BlobUrlWorker
    BlobUrlWorker.started = 0
    try {
      const { ctx, manifest, opts, reg, digest, events } = await setup(createMemoryCache(), 2 << 20)
      reg.intercept = tamperBlobs()
      let used = 0
      const undone: number[] = []
      const err = await loadFiles(
        ctx,
        manifest,
        opts,
        async () => ++used,
        async (n) => {
          undone.push(n)
        },
      ).catch((e: FerryError) => e)
      expect((err as FerryError).code).toBe('INTEGRITY_MISMATCH')
      expect(BlobUrlWorker.started).toBe(1)
      expect(used).toBe(1)
      expect(undone).toEqual([1])
      expect(opts.suspect.has(digest)).toBe(true)
      await Promise.all(opts.storing)
      expect(events.filter((e) => e.type === 'cache')).toEqual([])
      expect(await ctx.cache.list()).toEqual([])
      // Untampered, the next load (past the HTTP cache) passes its check and is stored.
      delete reg.intercept
      const ok = await loadFiles(ctx, manifest, opts, async () => 'made')
      expect(ok).toEqual({ value: 'made', source: 'network' })
      expect(BlobUrlWorker.started).toBe(2)
      expect(opts.suspect.has(digest)).toBe(false)
      await Promise.all(opts.storing)
      expect((await ctx.cache.list()).map((e) => e.name)).toEqual(['m'])
    } finally {
      delete g.Worker
    }
  })
})
