/** node:crypto's SHA-256 behind the core's IncrementalHash interface (several times faster than pure JS). */
import { createHash } from 'node:crypto'
import type { HashFactory } from '../../store/hash.js'

export const nodeSha256: HashFactory = () => {
  const h = createHash('sha256')
  return {
    update: (chunk) => {
      h.update(chunk)
    },
    hex: () => h.digest('hex'),
  }
}
