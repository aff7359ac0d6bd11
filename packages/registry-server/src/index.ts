/** @ferry/registry-server: the registry app (platform-free) and its storage contract. Node pieces: `./node`. */
export { createRegistryApp, type RegistryAppOptions } from './app.js'
export {
  type CollectorOptions,
  createCollector,
  forwardedAddress,
  peerAddress,
} from './collector/index.js'
export type { AppEnv, RouteDeps } from './http/env.js'
export { DEFAULT_LIMITS, type RegistryLimits, resolveLimits } from './limits.js'
export * from './metrics/registry.js'
export type { TelemetryAppOptions } from './routes/telemetry.js'
export { type HashFactory, type IncrementalHash, nobleSha256 } from './store/hash.js'
export { type IngestOptions, ingestBlob } from './store/ingest.js'
export { createMemoryStore } from './store/memory.js'
export { liveVersions, publishVersion, resolveAlias } from './store/registry.js'
export type { BlobInfo, BlobStore, BlobUpload, ByteRange, VersionSlot } from './store/types.js'
