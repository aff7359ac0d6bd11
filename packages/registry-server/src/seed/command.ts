/** `ferry seed`: publishes the catalog into a store folder (`--store`) or a running registry (`--registry`). */
import { resolve } from 'node:path'
import { type CliIO, clientFrom } from '../cli/commands.js'
import { seedRegistry } from './seed.js'
import { seedStore } from './store.js'

export interface SeedFlags {
  store?: string
  registry?: string
  token?: string
  tokenFile?: string
}

/** Seeds and prints one line per catalog version; the default target is the store `.ferry/store`. */
export async function seedCommand(flags: SeedFlags, io: CliIO): Promise<void> {
  const log = (line: string) => void io.stderr.write(`${line}\n`)
  const seeded =
    flags.registry !== undefined || (flags.store === undefined && io.env.FERRY_REGISTRY)
      ? await seedRegistry(clientFrom(flags, io), { log })
      : await seedStore(resolve(flags.store ?? '.ferry/store'), { log })
  const published = seeded.filter((s) => s.action === 'published').length
  const present = seeded.filter((s) => s.action === 'present').length
  const skipped = seeded.filter((s) => s.action === 'skipped').length
  io.stdout.write(`Seeded: ${published} published, ${present} already present, ${skipped} skipped\n`)
}
