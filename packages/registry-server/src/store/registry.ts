/** Registry operations built on any BlobStore: publishing with atomic version numbers, alias resolution. */
import { FerryError, LATEST, type Manifest, type ManifestDraft } from '@ferry/protocol'
import type { BlobStore } from './types.js'

/** How many taken version numbers a publish skips before giving up. */
const MAX_PUBLISH_ATTEMPTS = 1000

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
  for (const f of draft.files) {
    const info = await store.statBlob(f.digest)
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
  const slots = await store.listVersions(name)
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
