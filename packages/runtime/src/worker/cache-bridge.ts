/** Lets a worker engine use a ModelCache that lives on the main thread (a caller-supplied instance), via Comlink. */
import * as Comlink from 'comlink'
import type { ModelCache } from '../cache/types.js'

/** Main thread: wraps `cache` so it can be passed to the worker (retain's release function is proxied too). */
export function exportCache(cache: ModelCache): ModelCache {
  return Comlink.proxy({
    get: (d: string, o?: { name: string; version: number }) => cache.get(d, o),
    put: (d: string, b: Uint8Array, o: { name: string; version: number }) => cache.put(d, b, o),
    putManifest: cache.putManifest.bind(cache),
    getManifest: cache.getManifest.bind(cache),
    getAlias: cache.getAlias.bind(cache),
    retain: (ref: { name: string; version: number }) => Comlink.proxy(cache.retain(ref)),
    list: cache.list.bind(cache),
    delete: cache.delete.bind(cache),
    pin: cache.pin.bind(cache),
    clear: cache.clear.bind(cache),
    estimate: cache.estimate.bind(cache),
  }) as ModelCache
}

/** Worker: a ModelCache over the remote one `exportCache` sent. */
export function importCache(remote: Comlink.Remote<ModelCache>): ModelCache {
  return {
    get: (d, o) => remote.get(d, o),
    put: (d, b, o) => remote.put(d, b, o),
    putManifest: (m, a) => remote.putManifest(m, a),
    getManifest: (n, v) => remote.getManifest(n, v),
    getAlias: (n, a) => remote.getAlias(n, a),
    retain(ref) {
      const release = remote.retain(ref) as unknown as Promise<() => Promise<void>>
      return () => void release.then((r) => r())
    },
    list: () => remote.list(),
    delete: (n, v) => remote.delete(n, v),
    pin: (n, v, p) => remote.pin(n, v, p),
    clear: () => remote.clear(),
    estimate: () => remote.estimate(),
  }
}
