/** The sha256 check every file goes through (downloads and cached bytes alike). */

const hex = (digest: ArrayBuffer) =>
  [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('')

/**
 * True when `bytes` hash to `digest` (`sha256:<hex>`). crypto.subtle hashes synchronously, on this
 * thread (~0.6 GB/s): see `startBlobCheck` for checking cached bytes elsewhere.
 */
export async function matchesDigest(bytes: Uint8Array, digest: string): Promise<boolean> {
  return digest === `sha256:${hex(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>))}`
}

/** A throwaway worker's script: hashes the one Blob it gets, answers its hex digest (null if it cannot). */
export const HASHER = `onmessage=async({data})=>{let h=null;try{h=[...new Uint8Array(await crypto.subtle.digest('SHA-256',await data.arrayBuffer()))].map(b=>b.toString(16).padStart(2,'0')).join('')}catch{}postMessage(h)}`

/** One digest check on a worker of its own: `check` hashes a Blob there; `stop` when none is needed. */
export interface BlobCheck {
  /** True when `blob` hashes to `digest`; rejects when the worker failed (check the bytes here then). */
  check(blob: Blob, digest: string): Promise<boolean>
  stop(): void
}

/**
 * Starts a worker for one digest check, or returns null where none can start (no Worker, a CSP without
 * blob:, Deno). Start it early, while this thread is free: a worker started just before a long
 * synchronous task (creating a session) only gets going once that task is over. Give it the Blob once
 * this thread has read its bytes, so the two reads do not compete: it hashes the same immutable Blob
 * while this thread creates the session.
 */
export function startBlobCheck(): BlobCheck | null {
  if (typeof Worker !== 'function') return null
  let w: Worker
  const url = URL.createObjectURL(new Blob([HASHER], { type: 'text/javascript' }))
  const stop = () => {
    w?.terminate()
    URL.revokeObjectURL(url)
  }
  try {
    w = new Worker(url)
  } catch {
    stop()
    return null
  }
  return {
    check: (blob, digest) =>
      new Promise<boolean>((resolve, reject) => {
        const end = (e: Event) => {
          stop()
          const h = (e as MessageEvent).data
          typeof h === 'string'
            ? resolve(digest === `sha256:${h}`)
            : reject(new Error('digest worker failed'))
        }
        w.onmessage = w.onerror = end
        w.postMessage(blob)
      }),
    stop,
  }
}
