/** The S3 store driver: `createS3Store(config)`, and its config from `s3://` URLs and AWS variables. */
export { isS3Url, parseS3Url, type S3StoreConfig, s3ConfigFromEnv } from './config.js'
export { createS3Store } from './store.js'
