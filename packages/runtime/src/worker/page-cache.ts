/**
 * A ModelCache that lives on the page, used from the worker: the page serves it (`servePageCache`), the
 * worker wraps the calls (`pageCache`). Bytes the worker stores are transferred, not copied.
 */
import type { ModelCache } from '../cache/types.js'
import type { PageCalls } from './protocol.js'
import type { Served } from './rpc.js'

/** The worker's end of the channel, as far as the cache needs it. */
export interface PageCaller {
  call<K extends keyof PageCalls & string>(
    op: K,
    args: Parameters<PageCalls[K]>,
    options?: { transfer?: Transferable[] },
  ): Promise<Awaited<ReturnType<PageCalls[K]>>>
}

/** Page side: the handlers that answer the worker's cache calls from `cache`. */
export function servePageCache(cache: ModelCache): Served<PageCalls> {
  const held = new Map<number, () => void>()
  let next = 1
  return {
    get: (d, o) => cache.get(d, o),
    put: (d, b, o) => cache.put(d, b, o),
    putManifest: (m, a) => cache.putManifest(m, a),
    getManifest: (n, v) => cache.getManifest(n, v),
    getAlias: (n, a) => cache.getAlias(n, a),
    retain(ref) {
      const token = next++
      held.set(token, cache.retain(ref))
      return token
    },
    release(token) {
      held.get(token)?.()
      held.delete(token)
    },
    list: () => cache.list(),
    delete: (n, v) => cache.delete(n, v),
    pin: (n, v, p) => cache.pin(n, v, p),
    clear: () => cache.clear(),
    estimate: () => cache.estimate(),
  }
}

/** Worker side: the page's cache as a ModelCache. */
export function pageCache(rpc: PageCaller): ModelCache {
  const ask =
    <K extends Exclude<keyof PageCalls & keyof ModelCache, 'put' | 'retain'>>(op: K) =>
    (...args: Parameters<PageCalls[K]>) =>
      rpc.call(op, args)
  return {
    get: ask('get'),
    put(d, bytes, o) {
      // The worker is done with these bytes (its session is made): they move to the page.
      const own =
        bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice()
      return rpc.call('put', [d, own, o], { transfer: [own.buffer as ArrayBuffer] })
    },
    putManifest: ask('putManifest'),
    getManifest: ask('getManifest'),
    getAlias: ask('getAlias'),
    retain(ref) {
      const token = rpc.call('retain', [ref])
      return () => void token.then((t) => rpc.call('release', [t])).catch(() => {})
    },
    list: ask('list'),
    delete: ask('delete'),
    pin: ask('pin'),
    clear: ask('clear'),
    estimate: ask('estimate'),
  }
}
