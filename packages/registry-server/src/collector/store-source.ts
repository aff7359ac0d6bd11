/** The collector's view of what the registry knows, read from its BlobStore (live versions only). */
import type { BlobStore } from '../store/types.js'
import type { KnownModel, KnownModelsSource } from './labels.js'

/** Lists every model and its live versions; KnownModels calls it at most once per TTL. */
export function knownModelsFromStore(
  store: Pick<BlobStore, 'listModels' | 'listVersions'>,
): KnownModelsSource {
  return async () => {
    const names = await store.listModels()
    const out: KnownModel[] = []
    for (const name of names) {
      const slots = await store.listVersions(name)
      out.push({ name, versions: slots.filter((s) => !s.deleted).map((s) => s.version) })
    }
    return out
  }
}
