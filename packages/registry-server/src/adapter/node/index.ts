/**
 * Node-only pieces of the registry: the fs store, node:crypto hashing, the S3 store's node:http transport, and
 * `serve()` (with its staging sweep).
 */
export { createFsStore, type FsStoreOptions } from './fs-store.js'
export { nodeSha256 } from './hash.js'
export { nodeS3Fetch, nodeS3Transport } from './s3-fetch.js'
export { type RunningRegistry, type ServeOptions, serve } from './serve.js'
