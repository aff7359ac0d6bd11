/** `ferry.cache.*` on the engine's side: the bytes cache, with `inMemory` from the live sessions. */
import { FerryError } from '@ferry/protocol'
import type { ModelCache } from '../cache/types.js'
import type { LiveModel } from './live-model.js'
import type { CacheApi } from './types.js'

/** The cache API over `cache`; each call first waits for the background stores in flight (`stored`). */
export function engineCache(
  cache: ModelCache,
  models: ReadonlyMap<string, LiveModel>,
  stored: () => Promise<unknown>,
): CacheApi {
  const after =
    <A extends unknown[], R>(f: (...a: A) => Promise<R>) =>
    async (...a: A) => {
      await stored()
      return f(...a)
    }
  const pin = (pinned: boolean) =>
    after(async (name: string, version: number) => {
      if (version === undefined)
        throw new FerryError('BAD_REQUEST', `${pinned ? 'pin' : 'unpin'} needs a version`)
      await cache.pin(name, version, pinned)
    })
  return {
    list: after(async () =>
      (await cache.list()).map((e) => ({
        ...e,
        inMemory: models.get(`${e.name}@${e.version}`)?.session != null,
      })),
    ),
    delete: after((name: string, version?: number) => cache.delete(name, version)),
    pin: pin(true),
    unpin: pin(false),
    clear: after(() => cache.clear()),
    estimate: after(() => cache.estimate()),
  }
}
