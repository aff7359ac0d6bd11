/**
 * Cache API driver (Deno, browsers, service workers): each blob is one Response, each record a small
 * JSON Response, under synthetic URLs in one named cache. The Cache API has no transactions, so the
 * order of steps keeps the invariant instead: a blob is written before its record, and its record is
 * deleted before its bytes.
 */
import { type CacheDriver, quotaError } from '../driver.js'

export interface CacheApiDriverOptions {
  /** Cache name (default 'ferry-cache'). */
  name?: string
  /** CacheStorage and Response to use (default the globals; Node tests pass undici's). */
  caches?: CacheStorage
  Response?: typeof Response
}

const BASE = 'https://ferry.cache/'

/** Creates the driver; the cache opens on first use. */
export function createCacheApiDriver(options: CacheApiDriverOptions = {}): CacheDriver {
  const name = options.name ?? 'ferry-cache'
  const storage = options.caches ?? globalThis.caches
  const Res = options.Response ?? globalThis.Response
  let cache: Promise<Cache> | undefined
  const open = () => {
    cache ??= storage.open(name)
    return cache
  }
  const recordUrl = (key: string) => `${BASE}r/${encodeURIComponent(key)}`
  const blobUrl = (digest: string) => `${BASE}b/${encodeURIComponent(digest)}`
  const keyOf = (url: string, kind: 'r' | 'b') =>
    url.startsWith(`${BASE}${kind}/`) ? decodeURIComponent(url.slice(BASE.length + 2)) : undefined

  const put = async (url: string, body: BodyInit, type: string) => {
    try {
      await (await open()).put(url, new Res(body, { headers: { 'content-type': type } }))
    } catch (e) {
      throw (e as Error)?.name === 'QuotaExceededError' ? quotaError((e as Error).message) : e
    }
  }
  const apply = async (changes: Array<[string, unknown]>) => {
    const c = await open()
    for (const [k, v] of changes)
      v === undefined
        ? await c.delete(recordUrl(k))
        : await put(recordUrl(k), JSON.stringify(v), 'application/json')
  }
  const getRecord = async <T>(key: string) => {
    const r = await (await open()).match(recordUrl(key))
    return r ? ((await r.json()) as T) : undefined
  }
  const urls = async (kind: 'r' | 'b') =>
    (await (await open()).keys()).map((r) => keyOf(r.url, kind)).filter((k): k is string => k !== undefined)

  return {
    kind: 'cache-api',
    id: `cache-api:${name}`,
    persistent: true,
    getRecord,
    async records<T>(prefix: string) {
      const keys = (await urls('r')).filter((k) => k.startsWith(prefix))
      const out: Array<[string, T]> = []
      for (const k of keys) {
        const v = await getRecord<T>(k)
        if (v !== undefined) out.push([k, v])
      }
      return out
    },
    setRecords: apply,
    async writeBlob(digest, bytes, changes) {
      try {
        await put(blobUrl(digest), bytes as Uint8Array<ArrayBuffer>, 'application/octet-stream')
        await apply(changes)
      } catch (e) {
        await (await open()).delete(blobUrl(digest)).catch(() => {})
        throw e
      }
    },
    async readBlob(digest, size) {
      const r = await (await open()).match(blobUrl(digest))
      if (!r) return null
      const bytes = new Uint8Array(await r.arrayBuffer())
      return bytes.byteLength === size ? bytes : null
    },
    async deleteBlobs(digests, changes) {
      await apply(changes)
      const c = await open()
      for (const d of digests) await c.delete(blobUrl(d))
    },
    blobDigests: () => urls('b'),
    async clear() {
      cache = undefined
      await storage.delete(name)
    },
  }
}
