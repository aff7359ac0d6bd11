/**
 * The registry's storage contract. A driver stores content-addressed blobs, per-model version
 * manifests (create-if-absent) and one per-model document of aliases and deleted versions, changed only
 * by compare-and-swap (`model-doc.ts`); the fs, memory and S3 drivers implement it and all pass the
 * shared suite in `store.suite.ts` (and the alias/delete race in `routes/alias-race.suite.ts`).
 */
import type { Manifest } from '@ferry/protocol'

/** An inclusive byte range `[start, end]` of a blob. */
export interface ByteRange {
  start: number
  end: number
}

export interface BlobInfo {
  size: number
}

/**
 * A blob being written. Bytes go to a staging place (temp file, S3 temp key) that nobody reads;
 * `commit(digest)` moves them under their digest atomically (a no-op when the blob already exists);
 * `abort()` discards them. The caller hashes the bytes while they stream through `writable`.
 */
export interface BlobUpload {
  readonly writable: WritableStream<Uint8Array>
  commit(digest: string): Promise<void>
  abort(): Promise<void>
}

/** One version number held by a model: live, or deleted (a tombstone keeps its number from reuse). */
export interface VersionSlot {
  version: number
  deleted: boolean
}

/** What an upload announces before its bytes arrive: its digest (`?digest=`) and size (Content-Length). */
export interface ExpectedBlob {
  digest?: string
  size?: number
}

/** A stored blob, as listed. */
export interface StoredBlob extends BlobInfo {
  digest: string
}

export interface BlobStore {
  /** Size of a stored blob, or null when it is absent. */
  statBlob(digest: string): Promise<BlobInfo | null>
  /** A stored blob's bytes (or an inclusive range of them), streamed; null when absent. */
  readBlob(digest: string, range?: ByteRange): Promise<ReadableStream<Uint8Array> | null>
  /**
   * Starts a staged blob write; see `BlobUpload`. What the caller expects (not yet verified) lets a
   * driver write in place (S3: one streamed PUT that S3 itself checks against the digest, or a multipart
   * upload to the digest's key completed only on commit) or skip bytes it already has; the bytes are
   * still hashed and `commit` still gets the computed digest.
   */
  beginBlobUpload(expected?: ExpectedBlob): Promise<BlobUpload>
  /** Every stored blob, in no set order (for `ferry store copy`). */
  listBlobs(): AsyncIterable<StoredBlob>
  /**
   * Removes staging leftovers (uploads a killed process never finished) older than `maxAgeMs`; resolves
   * how many it removed. Safe while other instances upload: an upload never outlives the request timeout.
   */
  sweepStaging(maxAgeMs: number): Promise<number>
  /** A short-lived URL that serves the blob's bytes directly (S3: presigned GET); absent where there is none. */
  blobUrl?(digest: string, expiresInSeconds: number): Promise<string>

  /** Names of the models that hold at least one version slot. */
  listModels(): Promise<string[]>
  /** Every version slot of a model (live and deleted), ascending; empty for an unknown model. */
  listVersions(name: string): Promise<VersionSlot[]>
  /** A live version's manifest; null when absent or deleted (or, with `includeDeleted`, only when absent). */
  getManifest(name: string, version: number, opts?: { includeDeleted?: boolean }): Promise<Manifest | null>
  /**
   * Stores a manifest under `manifest.name`/`manifest.version` only if that slot has never been
   * used (fs: open 'wx'; S3: `If-None-Match: *`). Returns false when the slot is taken.
   */
  createManifest(manifest: Manifest): Promise<boolean>
  /**
   * Marks a version deleted (its number is never reused), atomically with alias changes: throws
   * ALIAS_IN_USE while an alias points at it. Returns false when it was not live.
   */
  deleteManifest(name: string, version: number): Promise<boolean>

  /** A model's aliases (not `latest`, which is computed). */
  getAliases(name: string): Promise<Record<string, number>>
  /**
   * Points an alias at a live version, atomically replacing any previous target and atomically with
   * version deletes: throws VERSION_NOT_FOUND when the version does not exist or is deleted.
   */
  setAlias(name: string, alias: string, version: number): Promise<void>
  /** Removes an alias; false when it did not exist. */
  deleteAlias(name: string, alias: string): Promise<boolean>
}
