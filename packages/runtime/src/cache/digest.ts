/** The sha256 check every file goes through (downloads and cached bytes alike). */

const hex = (digest: ArrayBuffer) =>
  [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('')

/** A throwaway worker's script: hashes the one Blob it gets, answers its hex digest (null if it cannot). */
export const HASHER = `onmessage=async({data})=>{let h=null;try{h=[...new Uint8Array(await crypto.subtle.digest('SHA-256',await data.arrayBuffer()))].map(b=>b.toString(16).padStart(2,'0')).join('')}catch{}postMessage(h)}`

/** Hashes `blob` on a worker of its own; rejects where none can start (no Worker, a CSP without blob:). */
function hashOffThread(blob: Blob): Promise<string> {
  const url = URL.createObjectURL(new Blob([HASHER], { type: 'text/javascript' }))
  return new Promise<string>((resolve, reject) => {
    const w = new Worker(url)
    const end = (e: Event) => {
      w.terminate()
      const h = (e as MessageEvent).data
      typeof h === 'string' ? resolve(h) : reject(new Error('digest worker failed'))
    }
    w.onmessage = w.onerror = end
    w.postMessage(blob)
  }).finally(() => URL.revokeObjectURL(url))
}

/**
 * True when `data` hashes to `digest` (`sha256:<hex>`). crypto.subtle hashes synchronously (~0.6 GB/s,
 * the calling thread is busy meanwhile), so a Blob (an immutable snapshot of cached bytes) is hashed on
 * a worker of its own where one can start, leaving this thread free to create the session from the
 * bytes it read out of that same Blob. Otherwise, and for bytes, it hashes here.
 */
export async function matchesDigest(data: Uint8Array | Blob, digest: string): Promise<boolean> {
  const here = async (b: Uint8Array | ArrayBuffer) =>
    hex(await crypto.subtle.digest('SHA-256', b as Uint8Array<ArrayBuffer>))
  const h =
    data instanceof Uint8Array
      ? await here(data)
      : await hashOffThread(data).catch(async () => here(await data.arrayBuffer()))
  return digest === `sha256:${h}`
}
