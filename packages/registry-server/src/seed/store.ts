/** Seeding an fs store folder directly: the registry app runs in-process (no socket), reached through its fetch. */
import { randomBytes } from 'node:crypto'
import { createFsStore, nodeSha256 } from '../adapter/node/index.js'
import { createRegistryApp } from '../app.js'
import { RegistryClient } from '../cli/client.js'
import { type SeededVersion, type SeedOptions, seedRegistry } from './seed.js'

/**
 * Publishes the catalog's models into the fs store at `dir` (created if needed), idempotently. Goes through the
 * registry's own HTTP handlers, so the store gets exactly what a publish over the network would give it.
 */
export async function seedStore(dir: string, options: SeedOptions = {}): Promise<SeededVersion[]> {
  const token = randomBytes(24).toString('base64url')
  const app = createRegistryApp({ store: createFsStore(dir), tokens: [token], createHash: nodeSha256 })
  const client = new RegistryClient({
    registry: 'http://seed.invalid',
    token,
    fetch: async (request) => app.fetch(request),
  })
  return seedRegistry(client, options)
}
