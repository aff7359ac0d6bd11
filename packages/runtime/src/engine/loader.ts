/**
 * Gets a version's files (from the bytes cache, else from the registry, verified) and hands them to the
 * caller's session creation as early as is safe; downloaded files are cached in the background.
 */
import {
  FerryError,
  type FileEntry,
  type Manifest,
  manifestSize,
  modelFile,
  type TelemetryEvent,
} from '@ferry/protocol'
import type { ModelFiles } from '../backends/types.js'
import { type BlobCheck, startBlobCheck } from '../cache/digest.js'
import { downloadBlob, type PartialDownload, verifyDigest } from '../registry-client/download.js'
import type { RegistryContext } from '../registry-client/resolve.js'
import type { Progress } from './types.js'

export interface FetchOptions {
  signal?: AbortSignal | undefined
  onProgress?: ((p: Progress) => void) | undefined
  partials: Map<string, PartialDownload>
  /** Digests whose bytes once failed verification: fetched again past the HTTP cache. */
  suspect: Set<string>
  /** Background stores in flight; a load waits for them before it reads the cache. */
  storing: Set<Promise<unknown>>
  emit: (e: TelemetryEvent) => void
  /** Starts a digest helper for a file of `size` bytes (default: a blob: worker where one can run). */
  digest?: ((size: number) => BlobCheck | null) | undefined
}

/** A version's bytes by path as backends take them. */
export function toModelFiles(manifest: Manifest, bytes: ReadonlyMap<string, Uint8Array>): ModelFiles {
  return { model: bytes.get(modelFile(manifest).path) as Uint8Array, get: (path) => bytes.get(path) }
}

/**
 * Fetches `manifest`'s files and calls `use` with them (by path) while their sha256 is checked on a
 * helper worker (where one can start, for files past OFF_THREAD_MIN_BYTES; others are checked before
 * `use`): this resolves only once every check passed, so what `use` made is never run on unchecked
 * bytes. If a downloaded file fails, `undo` discards what `use` made and the load fails with
 * INTEGRITY_MISMATCH (the file is suspect: fetched again past the HTTP cache next time); if a
 * cached one fails, `undo` too, and the files are fetched again (the cache dropped them). Downloads are
 * stored only once checked. The version stays retained until its background store settles.
 */
export async function loadFiles<T>(
  ctx: RegistryContext,
  manifest: Manifest,
  opts: FetchOptions,
  use: (files: ModelFiles) => Promise<T>,
  undo?: (made: T) => Promise<void>,
): Promise<{ value: T; source: 'cache' | 'network' }> {
  const { cache } = ctx
  const owner = { name: manifest.name, version: manifest.version }
  const total = manifestSize(manifest)
  const release = cache.retain(owner)
  let stored: Promise<unknown> = Promise.resolve()
  let loaded = 0
  let lastReport = 0
  const report = (phase: Progress['phase'], force = true) => {
    const now = Date.now()
    if (!force && now - lastReport < 50) return
    lastReport = now
    opts.onProgress?.({ phase, loaded, total })
  }
  try {
    for (let attempt = 0; ; attempt++) {
      loaded = 0
      report('downloading')
      await Promise.all(opts.storing)
      if (opts.signal?.aborted) throw new FerryError('ABORTED', 'the load was aborted')
      const fromNetwork: FileEntry[] = []
      // Digest helpers by file; once a download failed, none starts and those started are stopped.
      const helpers = new Map<FileEntry, BlobCheck | null>()
      let failed = false
      const bytes = new Map<string, Uint8Array>()
      const checks: (boolean | Promise<boolean>)[] = []
      await Promise.all(
        manifest.files.map(async (file) => {
          // A second attempt follows a failed check of cached bytes: it goes to the registry.
          const r = attempt
            ? null
            : cache.read
              ? await cache.read(file.digest, owner)
              : { bytes: await cache.get(file.digest, owner), verified: true }
          if (r?.bytes) {
            loaded += file.size
            bytes.set(file.path, r.bytes)
            checks.push(r.verified)
            return report('downloading', false)
          }
          // Its digest helper starts now, while this thread is free (see startBlobCheck).
          const helper = failed ? null : (opts.digest ?? startBlobCheck)(file.size)
          helpers.set(file, helper)
          const got = await downloadBlob(ctx, file, {
            signal: opts.signal,
            partials: opts.partials,
            reload: opts.suspect.has(file.digest),
            onPiece: helper ? (piece, at) => helper.push(piece, at) : undefined,
            onBytes: (d) => {
              loaded += d
              report('downloading', false)
            },
          })
          bytes.set(file.path, got)
          fromNetwork.push(file)
        }),
      ).catch((e) => {
        failed = true
        for (const h of helpers.values()) h?.stop()
        throw e
      })
      report('downloading')
      if (fromNetwork.length > 0) report('verifying')
      // Suspect until it matches: a mismatch is fetched again past the HTTP cache.
      const verify = async (file: FileEntry) => {
        opts.suspect.add(file.digest)
        await verifyDigest(file, bytes.get(file.path) as Uint8Array, helpers.get(file))
        opts.suspect.delete(file.digest)
      }
      // Checked on this thread (small files, or no helper could start): before `use`, as nothing
      // would overlap. On a helper: while `use` runs.
      await Promise.all(fromNetwork.filter((f) => !helpers.get(f)).map(verify))
      const downloads = Promise.all(fromNetwork.filter((f) => helpers.get(f)).map(verify))
      downloads.catch(() => {})
      const made = use(toModelFiles(manifest, bytes))
      made.catch(() => {})
      // Nothing `use` made is returned before every check passed: a downloaded file that fails ends the
      // load, a cached one that fails is fetched again.
      const passed = await downloads.then(
        async () => (await Promise.all(checks)).every(Boolean),
        async (e: unknown) => {
          await made.then(undo, () => {})
          throw e
        },
      )
      if (!passed) {
        await made.then(undo, () => {})
        continue
      }
      const value = await made
      const event = (action: 'hit' | 'miss' | 'store', bytes: number) =>
        opts.emit({ type: 'cache', action, model: owner.name, version: owner.version, bytes, ts: Date.now() })
      if (fromNetwork.length === 0) {
        event('hit', total)
        return { value, source: 'cache' }
      }
      event(
        'miss',
        fromNetwork.reduce((n, f) => n + f.size, 0),
      )
      // Stored in the background (the cache serializes writes anyway); 'store' once all are kept.
      const kept: Promise<unknown> = (async () => {
        let k = 0
        const seen = new Set<string>()
        for (const f of fromNetwork) {
          // A blob listed under two paths is stored once (a cache may take the bytes away: a transfer).
          if (seen.has(f.digest)) continue
          seen.add(f.digest)
          if (await cache.put(f.digest, bytes.get(f.path) as Uint8Array, owner).catch(() => false))
            k += f.size
        }
        if (k) event('store', k)
      })().finally(() => opts.storing.delete(kept))
      stored = kept
      opts.storing.add(kept)
      return { value, source: 'network' }
    }
  } finally {
    void stored.finally(release)
  }
}
