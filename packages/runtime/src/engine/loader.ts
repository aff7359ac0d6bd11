/** Gets a version's files: from the bytes cache when there, else from the registry, verified, then cached. */
import { FerryError, type FileEntry, type Manifest, type TelemetryEvent } from '@ferry/protocol'
import { totalSize } from '../registry-client/check-manifest.js'
import { downloadBlob, type PartialDownload, verifyDigest } from '../registry-client/download.js'
import type { RegistryContext } from '../registry-client/resolve.js'
import type { Progress } from './types.js'

export interface FetchedFiles {
  bytes: Map<string, Uint8Array>
  /** `cache` when nothing had to be downloaded. */
  source: 'cache' | 'network'
  downloaded: number
}

export interface FetchOptions {
  signal?: AbortSignal
  onProgress?: (p: Progress) => void
  partials: Map<string, PartialDownload>
  /** Digests whose bytes once failed verification: fetched again past the HTTP cache. */
  suspect: Set<string>
  emit: (e: TelemetryEvent) => void
}

/** Fetches every file of `manifest` (by path), reporting progress across all of them. */
export async function fetchFiles(
  ctx: RegistryContext,
  manifest: Manifest,
  opts: FetchOptions,
): Promise<FetchedFiles> {
  const total = totalSize(manifest)
  const owner = { name: manifest.name, version: manifest.version }
  let loaded = 0
  let lastReport = 0
  const report = (phase: Progress['phase'], force = true) => {
    const now = Date.now()
    if (!force && now - lastReport < 50) return
    lastReport = now
    opts.onProgress?.({ phase, loaded, total })
  }
  report('downloading')
  const fromNetwork: FileEntry[] = []
  const bytes = new Map<string, Uint8Array>()
  await Promise.all(
    manifest.files.map(async (file) => {
      if (opts.signal?.aborted) throw new FerryError('ABORTED', 'the load was aborted')
      const cached = await ctx.cache.get(file.digest, owner)
      if (cached) {
        loaded += file.size
        bytes.set(file.path, cached)
        report('downloading', false)
        return
      }
      const got = await downloadBlob(ctx, file, {
        ...(opts.signal ? { signal: opts.signal } : {}),
        partials: opts.partials,
        reload: opts.suspect.has(file.digest),
        onBytes: (d) => {
          loaded += d
          report('downloading', false)
        },
      })
      bytes.set(file.path, got)
      fromNetwork.push(file)
    }),
  )
  report('downloading')
  if (fromNetwork.length > 0) report('verifying')
  let downloaded = 0
  for (const file of fromNetwork) {
    const b = bytes.get(file.path) as Uint8Array
    try {
      await verifyDigest(file, b)
    } catch (err) {
      opts.suspect.add(file.digest)
      throw err
    }
    opts.suspect.delete(file.digest)
    downloaded += file.size
  }
  const ts = Date.now()
  const ev = { model: manifest.name, version: manifest.version }
  if (fromNetwork.length === 0) opts.emit({ type: 'cache', action: 'hit', ...ev, bytes: total, ts })
  else {
    opts.emit({ type: 'cache', action: 'miss', ...ev, bytes: downloaded, ts })
    let stored = 0
    for (const file of fromNetwork)
      if (await ctx.cache.put(file.digest, bytes.get(file.path) as Uint8Array, owner)) stored += file.size
    if (stored > 0) opts.emit({ type: 'cache', action: 'store', ...ev, bytes: stored, ts: Date.now() })
  }
  return { bytes, source: fromNetwork.length === 0 ? 'cache' : 'network', downloaded }
}
