/** Opens the store a `--store`/`--from`/`--to` argument names: a folder (fs) or `s3://bucket/prefix`. */
import { resolve } from 'node:path'
import { createFsStore } from '../adapter/node/fs-store.js'
import { nodeS3Transport } from '../adapter/node/s3-fetch.js'
import { isS3Url } from '../store/s3/index.js'
import type { CliIO } from './commands.js'
import { type OpenedStore, openS3Store } from './open-s3.js'

export type { OpenedStore } from './open-s3.js'

/**
 * A store from its argument; S3 credentials and endpoint from the AWS variables (or `s3Endpoint`). On Node
 * the S3 store sends with node:http (s3-fetch.ts).
 */
export function openStore(spec: string, io: CliIO, s3Endpoint?: string): OpenedStore {
  if (isS3Url(spec)) return openS3Store(spec, io, s3Endpoint, nodeS3Transport())
  const dir = resolve(spec)
  return { store: createFsStore(dir), label: dir, kind: 'fs' }
}
