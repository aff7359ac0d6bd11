/**
 * The per-model document that makes alias changes and version deletes linearizable: both are a
 * compare-and-swap of this one document (S3: a PUT with `If-Match` on its ETag; fs: a create-if-absent
 * of its next generation; memory: one synchronous step), so an alias never points at a deleted version.
 * Version manifests live beside it, created once and never removed; the document only says which are deleted.
 */
import { FerryError, isValidAlias } from '@ferry/protocol'
import type { BlobStore } from './types.js'

export interface ModelDoc {
  /** alias → version (never `latest`, which is computed). */
  aliases: Record<string, number>
  /** Deleted versions, ascending: their manifests stay, their numbers are never reused. */
  deleted: number[]
}

/** A document as read, with the tag its next write must match (null: no document yet). */
export interface TaggedDoc<Tag> {
  doc: ModelDoc
  tag: Tag | null
}

/** How a store reads and conditionally writes its documents; `write` resolves false when `tag` is stale. */
export interface DocStorage<Tag> {
  read(name: string): Promise<TaggedDoc<Tag>>
  write(name: string, doc: ModelDoc, tag: Tag | null): Promise<boolean>
}

export const emptyDoc = (): ModelDoc => ({ aliases: {}, deleted: [] })

/** Parses a stored document; anything malformed is a store fault, not an empty model. */
export function parseModelDoc(text: string, where: string): ModelDoc {
  const raw = JSON.parse(text) as Partial<ModelDoc> | null
  const aliases = raw?.aliases
  const deleted = raw?.deleted
  if (
    typeof aliases !== 'object' ||
    aliases === null ||
    !Array.isArray(deleted) ||
    !Object.values(aliases).every(Number.isSafeInteger) ||
    !deleted.every(Number.isSafeInteger)
  ) {
    throw new FerryError('INTERNAL', `the model document ${where} is malformed`)
  }
  return { aliases: { ...aliases }, deleted: [...deleted] }
}

/** A change to apply: the new document (null: leave it as it is) and what the operation answers. */
export interface DocChange<T> {
  doc: ModelDoc | null
  result: T
}

/** Attempts before a busy document gives up (each lost race means another writer made progress). */
const MAX_ATTEMPTS = 200

/** Reads, changes and writes a model's document until the write lands on the version it read. */
export async function updateModelDoc<Tag, T>(
  storage: DocStorage<Tag>,
  name: string,
  change: (doc: ModelDoc) => DocChange<T>,
): Promise<T> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const { doc, tag } = await storage.read(name)
    const next = change(doc)
    if (next.doc === null) return next.result
    if (await storage.write(name, next.doc, tag)) return next.result
    if (attempt > 2) await new Promise((r) => setTimeout(r, Math.random() * 5 * Math.min(attempt, 20)))
  }
  throw new FerryError('VERSION_CONFLICT', `model "${name}" is changing too often to update; retry`)
}

/** Points `alias` at `version` unless that version is deleted (VERSION_NOT_FOUND). */
export function setAliasChange(name: string, alias: string, version: number) {
  return (doc: ModelDoc): DocChange<void> => {
    if (doc.deleted.includes(version)) {
      throw new FerryError('VERSION_NOT_FOUND', `model "${name}" has no version ${version}`)
    }
    if (doc.aliases[alias] === version) return { doc: null, result: undefined }
    return { doc: { ...doc, aliases: { ...doc.aliases, [alias]: version } }, result: undefined }
  }
}

/** Removes `alias`; answers whether it existed. */
export function deleteAliasChange(alias: string) {
  return (doc: ModelDoc): DocChange<boolean> => {
    if (!Object.hasOwn(doc.aliases, alias)) return { doc: null, result: false }
    const { [alias]: _gone, ...rest } = doc.aliases
    return { doc: { ...doc, aliases: rest }, result: true }
  }
}

/** Marks `version` deleted unless an alias points at it (ALIAS_IN_USE); false when already deleted. */
export function deleteVersionChange(name: string, version: number) {
  return (doc: ModelDoc): DocChange<boolean> => {
    if (doc.deleted.includes(version)) return { doc: null, result: false }
    const pointing = Object.keys(doc.aliases)
      .filter((a) => doc.aliases[a] === version)
      .sort()
    if (pointing.length > 0) {
      throw new FerryError(
        'ALIAS_IN_USE',
        `version ${version} of "${name}" is the target of alias ${pointing.join(', ')}; move or delete it first`,
      )
    }
    const deleted = [...doc.deleted, version].sort((a, b) => a - b)
    return { doc: { ...doc, deleted }, result: true }
  }
}

/**
 * A store's alias and version-delete operations, each one compare-and-swap on the model's document in
 * `docs` (the same on every store); `hasVersion` says whether a version's manifest was ever stored.
 */
export function docOperations<Tag>(
  docs: DocStorage<Tag>,
  hasVersion: (name: string, version: number) => Promise<boolean>,
): Pick<BlobStore, 'deleteManifest' | 'getAliases' | 'setAlias' | 'deleteAlias'> {
  const checkAlias = (alias: string) => {
    if (!isValidAlias(alias)) throw new FerryError('INVALID_ALIAS', `invalid alias "${alias}"`)
  }
  return {
    async deleteManifest(name, version) {
      if (!(await hasVersion(name, version))) return false
      return updateModelDoc(docs, name, deleteVersionChange(name, version))
    },
    getAliases: async (name) => ({ ...(await docs.read(name)).doc.aliases }),
    async setAlias(name, alias, version) {
      checkAlias(alias)
      if (!(await hasVersion(name, version)))
        throw new FerryError('VERSION_NOT_FOUND', `model "${name}" has no version ${version}`)
      await updateModelDoc(docs, name, setAliasChange(name, alias, version))
    },
    deleteAlias(name, alias) {
      checkAlias(alias)
      return updateModelDoc(docs, name, deleteAliasChange(alias))
    },
  }
}
