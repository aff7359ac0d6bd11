/** Cancelling a pending call with an AbortSignal, as every Ferry call takes one. */
import { FerryError } from '@ferry/protocol'

export const aborted = () => new FerryError('ABORTED', 'the request was aborted')

/** Settles with `p`, or rejects ABORTED as soon as `signal` aborts (calling `onAbort` once). */
export function withSignal<T>(
  p: Promise<T>,
  signal: AbortSignal | undefined,
  onAbort: () => void,
): Promise<T> {
  if (!signal) return p
  if (signal.aborted) {
    p.catch(() => {}) // settles after the engine saw the abort; its answer is no longer wanted
    onAbort()
    return Promise.reject(aborted())
  }
  return new Promise<T>((resolve, reject) => {
    const stop = () => {
      onAbort()
      reject(aborted())
    }
    signal.addEventListener('abort', stop, { once: true })
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', stop))
  })
}
