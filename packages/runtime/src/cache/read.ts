/** Reading a cached blob together with its digest check. */
import { checkDigest, startBlobCheck } from './digest.js'
import type { CacheDriver } from './driver.js'

/**
 * Reads blob `digest` (`size` bytes) through `driver`; `ok` is its digest check when `check` is set (else
 * true). Where the driver hands out Blobs the check runs on a helper worker (see startBlobCheck): started
 * before the read, given the Blob once this thread has the bytes. Null when the bytes cannot be read.
 */
export async function readChecked(
  driver: CacheDriver,
  digest: string,
  size: number,
  check: boolean,
): Promise<{ bytes: Uint8Array; ok: boolean | Promise<boolean> } | null> {
  // Cached 64 MiB loads measured 10-25% faster with the check on a helper than on this thread.
  const helper = check && driver.openBlob ? startBlobCheck(size) : null
  // A driver that hands out Blobs reads through them only (a missing one is not read a second way).
  const blob = driver.openBlob ? await driver.openBlob(digest, size).catch(() => null) : null
  const bytes = await (driver.openBlob
    ? blob?.arrayBuffer().then((b) => new Uint8Array(b))
    : driver.readBlob(digest, size)
  )?.catch(() => null)
  if (!bytes || !check) {
    helper?.stop()
    return bytes ? { bytes, ok: true } : null
  }
  // A helper exists only with a Blob (openBlob), which it reads itself.
  return { bytes, ok: checkDigest(bytes, digest, helper, blob ?? bytes) }
}
