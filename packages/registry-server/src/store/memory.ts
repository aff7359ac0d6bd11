/** An in-memory BlobStore: for tests and throwaway registries. Same semantics as the fs driver. */
import type { Manifest } from '@ferry/protocol'
import type { BlobInfo, BlobStore, BlobUpload, ByteRange, VersionSlot } from './types.js'

interface ModelRecord {
  /** version → manifest JSON, or null for a deleted version. */
  versions: Map<number, string | null>
  aliases: Map<string, number>
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
      m = { versions: new Map(), aliases: new Map() }
      models.set(name, m)
    }
    return m
  }

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
      return [...m.versions.entries()]
        .map(([version, json]) => ({ version, deleted: json === null }))
        .sort((a, b) => a.version - b.version)
    },

    async getManifest(name, version) {
      const json = models.get(name)?.versions.get(version)
      return json ? (JSON.parse(json) as Manifest) : null
    },

    async createManifest(manifest) {
      const m = model(manifest.name)
      if (m.versions.has(manifest.version)) return false
      m.versions.set(manifest.version, JSON.stringify(manifest))
      return true
    },

    async deleteManifest(name, version) {
      const m = models.get(name)
      if (!m?.versions.get(version)) return false
      m.versions.set(version, null)
      return true
    },

    async getAliases(name) {
      return Object.fromEntries(models.get(name)?.aliases ?? [])
    },

    async setAlias(name, alias, version) {
      model(name).aliases.set(alias, version)
    },

    async deleteAlias(name, alias) {
      return models.get(name)?.aliases.delete(alias) ?? false
    },
  }
}
