// Where one call ran and how its time split, in words: the device's backend with its queue and compute
// time, or the edge (with the edge's own backend) with the network time around the server's.
import type { RunInfo } from '../runtime.js'
import { formatMs } from '../ui/dom.js'

/** `wasm`, or `the edge (cpu)`. */
export function whereRan(info: { placement: string; backend: string }): string {
  return info.placement === 'edge' ? `the edge (${info.backend})` : info.backend
}

/** Where a loaded model runs now, in the same words: `wasm`, or `the edge (cpu)`. */
export function whereIs(m: { placement: string; backend: string; edgeBackend: string | null }): string {
  return m.placement === 'edge' ? `the edge (${m.edgeBackend ?? 'its backend unknown'})` : m.backend
}

/**
 * The call's time split: `queue 0.10 ms, compute 2.35 ms`; on the edge `network 31.3 ms, queue …, compute
 * …` (network: the call's time outside the server), or `1.50 s in all` when the server gave no timing.
 */
export function splitOf(info: RunInfo): string {
  const server = `queue ${formatMs(info.queueMs)}, compute ${formatMs(info.computeMs)}`
  if (info.placement !== 'edge') return server
  return info.networkMs === undefined
    ? `${formatMs(info.computeMs)} in all`
    : `network ${formatMs(info.networkMs)}, ${server}`
}
