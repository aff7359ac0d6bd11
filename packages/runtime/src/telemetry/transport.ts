/** Delivers one telemetry body over `fetch` and says what to do with the batch next. */

/** `sent`: delivered (or a duplicate); `rejected`: the collector refused it for good (4xx), drop it;
 * `retry`: offline, rate-limited or a server error, keep it and try again after `afterMs` at the least. */
export type SendResult =
  | { kind: 'sent' }
  | { kind: 'rejected'; status: number }
  | { kind: 'retry'; afterMs: number }

export type Transport = (body: string) => Promise<SendResult>

/** Bodies up to this size go with `keepalive` (browsers cap keepalive bodies in flight at 64 KiB). */
export const KEEPALIVE_MAX_BYTES = 60_000

export interface FetchTransportOptions {
  endpoint: string
  fetch?: typeof fetch
  /** Gives up on one request after this long. Default 10 s. */
  timeoutMs?: number
}

/**
 * POSTs bodies as `text/plain` JSON (a CORS-safelisted type: no preflight, and the same type sendBeacon
 * uses), with `keepalive` so a request survives the page going away, and without credentials.
 */
export function fetchTransport(options: FetchTransportOptions): Transport {
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis)
  const timeoutMs = options.timeoutMs ?? 10_000
  return async (body) => {
    let res: Response
    try {
      res = await doFetch(options.endpoint, {
        method: 'POST',
        body,
        headers: { 'content-type': 'text/plain;charset=UTF-8' },
        keepalive: body.length <= KEEPALIVE_MAX_BYTES,
        credentials: 'omit',
        signal: AbortSignal.timeout(timeoutMs),
      })
    } catch {
      return { kind: 'retry', afterMs: 0 }
    }
    await res.body?.cancel().catch(() => {})
    if (res.ok) return { kind: 'sent' }
    if (res.status === 429 || res.status === 408 || res.status >= 500) {
      const after = Number(res.headers.get('retry-after'))
      return {
        kind: 'retry',
        afterMs: Number.isFinite(after) && after > 0 ? Math.min(after, 3600) * 1000 : 0,
      }
    }
    return { kind: 'rejected', status: res.status }
  }
}
