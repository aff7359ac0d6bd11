/** @ferry/registry-server: the registry app (platform-free) and its storage contract. Node pieces: `./node`. */
export { createRegistryApp, type RegistryAppOptions } from './app.js'
export {
  type CollectorOptions,
  createCollector,
  forwardedAddress,
  peerAddress,
} from './collector/index.js'
export { checkContentLength, readCappedBytes } from './http/body.js'
export type { AppEnv, RouteDeps } from './http/env.js'
export { DEFAULT_LIMITS, type RegistryLimits, resolveLimits } from './limits.js'
export * from './metrics/registry.js'
export type { TelemetryAppOptions } from './routes/telemetry.js'
export { type CopyEvent, type CopyOptions, type CopySummary, copyStore } from './store/copy.js'
export { type HashFactory, type IncrementalHash, nobleSha256 } from './store/hash.js'
export { type IngestOptions, ingestBlob } from './store/ingest.js'
export { createMemoryStore } from './store/memory.js'
export { type DocStorage, type ModelDoc, updateModelDoc } from './store/model-doc.js'
export { liveVersions, publishVersion, resolveAlias } from './store/registry.js'
export { createS3Store, isS3Url, parseS3Url, type S3StoreConfig, s3ConfigFromEnv } from './store/s3/index.js'
export {
  type StagingSweep,
  type StagingSweepOptions,
  stagingMaxAgeMs,
  startStagingSweep,
} from './store/sweep.js'
export type { BlobInfo, BlobStore, BlobUpload, ByteRange, StoredBlob, VersionSlot } from './store/types.js'
