/** Opens the store a `--store`/`--from`/`--to` argument names: a folder (fs) or `s3://bucket/prefix`. */
import { resolve } from 'node:path'
import { hasErrorCode } from '@ferry/protocol'
import { createFsStore } from '../adapter/node/fs-store.js'
import { nodeS3Transport } from '../adapter/node/s3-fetch.js'
import { createS3Store, isS3Url, s3ConfigFromEnv } from '../store/s3/index.js'
import type { BlobStore } from '../store/types.js'
import type { CliIO } from './commands.js'
import { UsageError } from './exit-codes.js'

export interface OpenedStore {
  store: BlobStore
  /** What to call it in messages: the folder's absolute path, or the s3:// URL and its endpoint. */
  label: string
  kind: 'fs' | 's3'
}

/** A store from its argument; S3 credentials and endpoint from the AWS variables (or `s3Endpoint`). */
export function openStore(spec: string, io: CliIO, s3Endpoint?: string): OpenedStore {
  if (!isS3Url(spec)) {
    const dir = resolve(spec)
    return { store: createFsStore(dir), label: dir, kind: 'fs' }
  }
  try {
    const cfg = s3ConfigFromEnv(spec, io.env, s3Endpoint)
    return {
      store: createS3Store({ ...cfg, ...nodeS3Transport() }),
      label: `${spec} at ${cfg.endpoint ?? `AWS S3 (${cfg.region})`}`,
      kind: 's3',
    }
  } catch (err) {
    if (hasErrorCode(err) && err.code === 'BAD_REQUEST') throw new UsageError(err.message)
    throw err
  }
}
