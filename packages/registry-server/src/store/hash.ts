/** Incremental SHA-256 behind a tiny interface, so the Node adapter can plug in `node:crypto`. */
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex } from '@noble/hashes/utils.js'

export interface IncrementalHash {
  update(chunk: Uint8Array): void
  /** Lower-case hex of the digest; call once, after the last update. */
  hex(): string
}

/** Makes a fresh incremental SHA-256. */
export type HashFactory = () => IncrementalHash

/** The platform-free default (pure JS, @noble/hashes). */
export const nobleSha256: HashFactory = () => {
  const h = sha256.create()
  return {
    update: (chunk) => {
      h.update(chunk)
    },
    hex: () => bytesToHex(h.digest()),
  }
}
