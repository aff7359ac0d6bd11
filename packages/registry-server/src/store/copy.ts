/**
 * Copies one store into another (`ferry store copy`): every blob, verified against its digest on the way
 * in, then every version slot (deleted ones too, so their numbers stay taken), the aliases, and the
 * deletions. Idempotent and resumable: what the target already holds is skipped, so a copy that was cut
 * short is finished by running it again. A target slot holding a different manifest stops the copy.
 */
import { FerryError } from '@ferry/protocol'
import { type HashFactory, nobleSha256 } from './hash.js'
import { ingestBlob } from './ingest.js'
import type { BlobStore } from './types.js'

export type CopyEvent =
  | { type: 'blob'; digest: string; size: number; copied: boolean }
  | { type: 'version'; name: string; version: number; copied: boolean; deleted: boolean }
  | { type: 'alias'; name: string; alias: string; version: number }

export interface CopySummary {
  blobs: { copied: number; skipped: number; bytes: number }
  versions: { copied: number; skipped: number }
  aliases: number
}

export interface CopyOptions {
  createHash?: HashFactory
  onEvent?(event: CopyEvent): void
}

/** Manifests compare equal when their JSON does (key order as stored by the registry). */
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b)

/** Copies `from` into `to`; see the module comment. */
export async function copyStore(
  from: BlobStore,
  to: BlobStore,
  options: CopyOptions = {},
): Promise<CopySummary> {
  const summary: CopySummary = {
    blobs: { copied: 0, skipped: 0, bytes: 0 },
    versions: { copied: 0, skipped: 0 },
    aliases: 0,
  }
  const emit = options.onEvent ?? (() => {})
  for await (const blob of from.listBlobs()) {
    const there = await to.statBlob(blob.digest)
    if (there?.size === blob.size) {
      summary.blobs.skipped++
      emit({ type: 'blob', ...blob, copied: false })
      continue
    }
    const body = await from.readBlob(blob.digest)
    if (!body) continue
    await ingestBlob(to, body, {
      maxBytes: blob.size,
      expectedDigest: blob.digest,
      expectedSize: blob.size,
      createHash: options.createHash ?? nobleSha256,
    })
    summary.blobs.copied++
    summary.blobs.bytes += blob.size
    emit({ type: 'blob', ...blob, copied: true })
  }

  for (const name of await from.listModels()) {
    const slots = await from.listVersions(name)
    for (const slot of slots) {
      const manifest = await from.getManifest(name, slot.version, { includeDeleted: true })
      if (!manifest) continue
      const created = await to.createManifest(manifest)
      if (!created && !same(await to.getManifest(name, slot.version, { includeDeleted: true }), manifest)) {
        throw new FerryError(
          'VERSION_CONFLICT',
          `version ${slot.version} of "${name}" differs between the two stores; the copy stopped before it`,
        )
      }
      summary.versions[created ? 'copied' : 'skipped']++
      emit({ type: 'version', name, version: slot.version, copied: created, deleted: slot.deleted })
    }
    const aliases = await from.getAliases(name)
    const current = await to.getAliases(name)
    for (const [alias, version] of Object.entries(aliases)) {
      if (current[alias] !== version) await to.setAlias(name, alias, version)
      summary.aliases++
      emit({ type: 'alias', name, alias, version })
    }
    for (const alias of Object.keys(current)) {
      if (!(alias in aliases)) await to.deleteAlias(name, alias)
    }
    for (const slot of slots) if (slot.deleted) await to.deleteManifest(name, slot.version)
  }
  return summary
}
