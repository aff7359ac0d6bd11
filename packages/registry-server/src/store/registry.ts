/** Registry operations built on any BlobStore: publishing with atomic version numbers, alias resolution. */
import { FerryError, LATEST, type Manifest, type ManifestDraft } from '@ferry/protocol'
import type { BlobStore } from './types.js'

/** How many taken version numbers a publish skips before giving up. */
const MAX_PUBLISH_ATTEMPTS = 1000
/** Blob lookups a publish has in flight at once. */
const STAT_CONCURRENCY = 8

/** `fn` over `items` with at most `limit` calls pending at once; results in order. */
async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array(items.length)
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const i = next++
      out[i] = await fn(items[i] as T)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  return out
}

/**
 * Publishes a draft as the model's next version. Every file's blob must exist with the declared
 * size (422 BLOB_MISSING). The manifest is written last with a create-if-absent write, moving to the
 * next number on conflict, so concurrent publishers never share a version.
 */
export async function publishVersion(
  store: BlobStore,
  name: string,
  draft: ManifestDraft,
  now: () => Date = () => new Date(),
): Promise<Manifest> {
  if (draft.name !== undefined && draft.name !== name) {
    throw new FerryError('INVALID_MANIFEST', `manifest names "${draft.name}" but is published to "${name}"`)
  }
  // The blobs are looked up, a few at a time, while the versions are listed: on a networked store each is a
  // round trip of its own.
  const [infos, slots] = await Promise.all([
    mapLimited(draft.files, STAT_CONCURRENCY, (f) => store.statBlob(f.digest)),
    store.listVersions(name),
  ])
  for (const [i, f] of draft.files.entries()) {
    const info = infos[i]
    if (!info)
      throw new FerryError(
        'BLOB_MISSING',
        `blob ${f.digest} for "${f.path}" is not on the registry; upload it first`,
      )
    if (info.size !== f.size) {
      throw new FerryError(
        'BLOB_MISSING',
        `blob ${f.digest} for "${f.path}" has ${info.size} bytes, not ${f.size}`,
      )
    }
  }
  let version = (slots.at(-1)?.version ?? 0) + 1
  const { name: _ignored, ...rest } = draft
  for (let i = 0; i < MAX_PUBLISH_ATTEMPTS; i++, version++) {
    const manifest: Manifest = { ...rest, name, version, createdAt: now().toISOString() }
    if (await store.createManifest(manifest)) return manifest
  }
  throw new FerryError('VERSION_CONFLICT', `could not find a free version for "${name}"; retry`)
}

/** Live versions of a model, ascending. */
export async function liveVersions(store: BlobStore, name: string): Promise<number[]> {
  return (await store.listVersions(name)).filter((s) => !s.deleted).map((s) => s.version)
}

/** The version an alias points to; `latest` is the highest live version. Throws 404s. */
export async function resolveAlias(store: BlobStore, name: string, alias: string): Promise<number> {
  if (alias === LATEST) {
    const live = await liveVersions(store, name)
    const top = live.at(-1)
    if (top === undefined) throw new FerryError('MODEL_NOT_FOUND', `model "${name}" does not exist`)
    return top
  }
  const aliases = await store.getAliases(name)
  const v = aliases[alias]
  if (v === undefined) {
    if ((await liveVersions(store, name)).length === 0) {
      throw new FerryError('MODEL_NOT_FOUND', `model "${name}" does not exist`)
    }
    throw new FerryError('ALIAS_NOT_FOUND', `model "${name}" has no alias "${alias}"`)
  }
  return v
}

/** A live manifest, or 404 (MODEL_NOT_FOUND / VERSION_NOT_FOUND). */
export async function requireManifest(store: BlobStore, name: string, version: number): Promise<Manifest> {
  const m = await store.getManifest(name, version)
  if (m) return m
  if ((await liveVersions(store, name)).length === 0) {
    throw new FerryError('MODEL_NOT_FOUND', `model "${name}" does not exist`)
  }
  throw new FerryError('VERSION_NOT_FOUND', `model "${name}" has no version ${version}`)
}
