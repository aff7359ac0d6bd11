/** Node-only pieces of the registry: the fs store, node:crypto hashing, and `serve()` (with its staging sweep). */
export { createFsStore, type FsStoreOptions } from './fs-store.js'
export { nodeSha256 } from './hash.js'
export { type RunningRegistry, type ServeOptions, serve } from './serve.js'
