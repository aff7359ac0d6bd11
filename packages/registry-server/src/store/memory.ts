/** An in-memory BlobStore: for tests and throwaway registries. Same semantics as the fs driver. */
import type { Manifest } from '@ferry/protocol'
import { type DocStorage, docOperations, emptyDoc, type ModelDoc } from './model-doc.js'
import type { BlobInfo, BlobStore, BlobUpload, ByteRange, VersionSlot } from './types.js'

interface ModelRecord {
  /** version → manifest JSON (deleted ones too: the document says which are deleted). */
  versions: Map<number, string>
  doc: ModelDoc
  /** Bumped on every document write: the compare-and-swap tag. */
  generation: number
}

/** Chunk size used when streaming a stored blob back. */
const READ_CHUNK = 256 * 1024

/** Creates an empty in-memory store. */
export function createMemoryStore(): BlobStore {
  const blobs = new Map<string, Uint8Array>()
  const models = new Map<string, ModelRecord>()

  const model = (name: string): ModelRecord => {
    let m = models.get(name)
    if (!m) {
      m = { versions: new Map(), doc: emptyDoc(), generation: 0 }
      models.set(name, m)
    }
    return m
  }

  // Reading and writing happen in one synchronous step each, so a stale generation means another change won.
  const docs: DocStorage<number> = {
    read: async (name) => {
      const m = models.get(name)
      return m ? { doc: structuredClone(m.doc), tag: m.generation } : { doc: emptyDoc(), tag: null }
    },
    write: async (name, doc, tag) => {
      const m = model(name)
      if ((tag ?? 0) !== m.generation) return false
      m.doc = doc
      m.generation++
      return true
    },
  }
  const isDeleted = (name: string, version: number) =>
    models.get(name)?.doc.deleted.includes(version) ?? false

  return {
    async statBlob(digest): Promise<BlobInfo | null> {
      const b = blobs.get(digest)
      return b ? { size: b.byteLength } : null
    },

    async readBlob(digest, range?: ByteRange) {
      const b = blobs.get(digest)
      if (!b) return null
      const start = range?.start ?? 0
      const end = range ? range.end + 1 : b.byteLength
      let pos = start
      return new ReadableStream<Uint8Array>({
        pull(controller) {
          if (pos >= end) return controller.close()
          const next = Math.min(end, pos + READ_CHUNK)
          controller.enqueue(b.slice(pos, next))
          pos = next
        },
      })
    },

    async *listBlobs() {
      for (const [digest, b] of blobs) yield { digest, size: b.byteLength }
    },

    async sweepStaging() {
      return 0
    },

    async beginBlobUpload(): Promise<BlobUpload> {
      let chunks: Uint8Array[] = []
      let size = 0
      return {
        writable: new WritableStream<Uint8Array>({
          write(chunk) {
            chunks.push(chunk.slice())
            size += chunk.byteLength
          },
        }),
        async commit(digest) {
          if (!blobs.has(digest)) {
            const all = new Uint8Array(size)
            let off = 0
            for (const c of chunks) {
              all.set(c, off)
              off += c.byteLength
            }
            blobs.set(digest, all)
          }
          chunks = []
        },
        async abort() {
          chunks = []
        },
      }
    },

    async listModels() {
      return [...models.keys()].filter((n) => (models.get(n)?.versions.size ?? 0) > 0).sort()
    },

    async listVersions(name): Promise<VersionSlot[]> {
      const m = models.get(name)
      if (!m) return []
      return [...m.versions.keys()]
        .map((version) => ({ version, deleted: isDeleted(name, version) }))
        .sort((a, b) => a.version - b.version)
    },

    async getManifest(name, version, opts) {
      const json = models.get(name)?.versions.get(version)
      if (json === undefined || (isDeleted(name, version) && !opts?.includeDeleted)) return null
      return JSON.parse(json) as Manifest
    },

    async createManifest(manifest) {
      const m = model(manifest.name)
      if (m.versions.has(manifest.version)) return false
      m.versions.set(manifest.version, JSON.stringify(manifest))
      return true
    },

    ...docOperations(docs, async (name, version) => models.get(name)?.versions.has(version) ?? false),
  }
}
