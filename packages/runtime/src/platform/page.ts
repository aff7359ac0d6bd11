/**
 * Browser adapter: page-lifecycle and network signals (`pagehide`, `visibilitychange` → hidden, `online`),
 * `navigator.sendBeacon`, `navigator.onLine` and a localStorage-kept client id. Each is absent elsewhere.
 */

type G = typeof globalThis & {
  document?: {
    visibilityState?: string
    addEventListener: Document['addEventListener']
    removeEventListener: Document['removeEventListener']
  }
  navigator?: { onLine?: boolean; sendBeacon?: (url: string, data?: BodyInit) => boolean }
  localStorage?: Storage
  addEventListener?: typeof addEventListener
  removeEventListener?: typeof removeEventListener
}

/** Calls `hidden` when the page is hidden or unloaded and `online` when the network returns; returns an unsubscribe. */
export function watchPage(handlers: { hidden(): void; online(): void }): () => void {
  const g = globalThis as G
  const doc = g.document
  const onVisibility = () => {
    if (doc?.visibilityState === 'hidden') handlers.hidden()
  }
  const onHide = () => handlers.hidden()
  const onOnline = () => handlers.online()
  doc?.addEventListener('visibilitychange', onVisibility)
  g.addEventListener?.('pagehide', onHide)
  g.addEventListener?.('online', onOnline)
  return () => {
    doc?.removeEventListener('visibilitychange', onVisibility)
    g.removeEventListener?.('pagehide', onHide)
    g.removeEventListener?.('online', onOnline)
  }
}

/** A beacon sender for `url` (text/plain body, no preflight), or undefined without `navigator.sendBeacon`. */
export function beaconTo(url: string): ((body: string) => boolean) | undefined {
  const nav = (globalThis as G).navigator
  if (typeof nav?.sendBeacon !== 'function') return undefined
  return (body) => {
    try {
      return nav.sendBeacon!(url, body)
    } catch {
      return false
    }
  }
}

/** `navigator.onLine` where the host has it (false means surely offline; true only maybe online). */
export function onlineProbe(): (() => boolean) | undefined {
  const nav = (globalThis as G).navigator
  return typeof nav?.onLine === 'boolean' ? () => nav.onLine !== false : undefined
}

const KEY = 'ferry:telemetry:client-id'

/** The client id kept in localStorage, created by `make` on first use; undefined where storage is unusable. */
export function localStorageClientId(make: () => string): string | undefined {
  try {
    const ls = (globalThis as G).localStorage
    if (!ls) return undefined
    const have = ls.getItem(KEY)
    if (have) return have
    const id = make()
    ls.setItem(KEY, id)
    return id
  } catch {
    return undefined
  }
}
