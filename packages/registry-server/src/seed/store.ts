/** Seeding a store (an fs folder, or any BlobStore) directly: the registry app runs in-process (no socket), reached through its fetch. */
import { randomBytes } from 'node:crypto'
import { createFsStore, nodeSha256 } from '../adapter/node/index.js'
import { createRegistryApp } from '../app.js'
import { RegistryClient } from '../cli/client.js'
import type { BlobStore } from '../store/types.js'
import { type SeededVersion, type SeedOptions, seedRegistry } from './seed.js'

/**
 * Publishes the catalog's models into the fs store at `dir` (created if needed), or into `store`, idempotently. Goes through the
 * registry's own HTTP handlers, so the store gets exactly what a publish over the network would give it.
 */
export async function seedStore(
  dir: string | BlobStore,
  options: SeedOptions = {},
): Promise<SeededVersion[]> {
  const token = randomBytes(24).toString('base64url')
  const store = typeof dir === 'string' ? createFsStore(dir) : dir
  const app = createRegistryApp({ store, tokens: [token], createHash: nodeSha256 })
  const client = new RegistryClient({
    registry: 'http://seed.invalid',
    token,
    fetch: async (request) => app.fetch(request),
  })
  return seedRegistry(client, options)
}
