/** The sha256 check every file goes through (downloads and cached bytes alike). */

/** True when `bytes` hash to `digest` (`sha256:<hex>`). */
export async function matchesDigest(bytes: Uint8Array, digest: string): Promise<boolean> {
  const hash = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>))
  let hex = ''
  for (const b of hash) hex += b.toString(16).padStart(2, '0')
  return digest === `sha256:${hex}`
}
