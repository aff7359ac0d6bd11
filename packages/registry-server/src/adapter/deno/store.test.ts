// The Deno adapter's store wrapper: uploads reach the driver without the announced size (Deno's fetch
// cannot stream a body with its Content-Length), with the digest; every other method is the store's own.
import { describe, expect, it } from 'vitest'
import { ingestBlob } from '../../store/ingest.js'
import { createMemoryStore } from '../../store/memory.js'
import type { ExpectedBlob } from '../../store/types.js'
import { withoutSizeHints } from './store.js'

describe('withoutSizeHints', () => {
  it('drops the size, keeps the digest, and leaves the rest of the store as it is', async () => {
    const store = createMemoryStore()
    const seen: (ExpectedBlob | undefined)[] = []
    const begin = store.beginBlobUpload.bind(store)
    store.beginBlobUpload = (expected) => {
      seen.push(expected)
      return begin(expected)
    }
    const wrapped = withoutSizeHints(store)
    const bytes = new TextEncoder().encode('weights')
    const digest = 'sha256:3c9b0b0a0d2c5ef6c9ad2e0a3ff44a38fb4c36f50b3c1d1d3d1bb54c0fd5d6fb'
    const body = () => new Blob([bytes]).stream()
    const stored = await ingestBlob(wrapped, body(), { maxBytes: 100, expectedSize: bytes.length })
    await expect(
      ingestBlob(wrapped, body(), { maxBytes: 100, expectedDigest: digest, expectedSize: 7 }),
    ).rejects.toMatchObject({ code: 'DIGEST_MISMATCH' })
    expect(seen).toEqual([{}, { digest }])
    expect(await wrapped.statBlob(stored.digest)).toEqual({ size: bytes.length })
    expect(await wrapped.listModels()).toEqual([])
  })
})
