/** Opens an `s3://bucket/prefix` store argument from the AWS variables: the platform-free half of stores.ts. */
import { hasErrorCode } from '@ferry/protocol'
import { createS3Store, type S3StoreConfig, s3ConfigFromEnv } from '../store/s3/index.js'
import type { BlobStore } from '../store/types.js'
import type { CliIO } from './commands.js'
import { UsageError } from './exit-codes.js'

export interface OpenedStore {
  store: BlobStore
  /** What to call it in messages: the folder's absolute path, or the s3:// URL and its endpoint. */
  label: string
  kind: 'fs' | 's3'
}

/**
 * The S3 store `spec` names; credentials and endpoint from the AWS variables (or `s3Endpoint`), the rest of
 * its config (a platform's transport, say) from `extra`.
 */
export function openS3Store(
  spec: string,
  io: Pick<CliIO, 'env'>,
  s3Endpoint?: string,
  extra: Partial<S3StoreConfig> = {},
): OpenedStore {
  try {
    const cfg = s3ConfigFromEnv(spec, io.env, s3Endpoint)
    return {
      store: createS3Store({ ...cfg, ...extra }),
      label: `${spec} at ${cfg.endpoint ?? `AWS S3 (${cfg.region})`}`,
      kind: 's3',
    }
  } catch (err) {
    if (hasErrorCode(err) && err.code === 'BAD_REQUEST') throw new UsageError(err.message)
    throw err
  }
}
