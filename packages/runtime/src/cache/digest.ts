/** The sha256 check every file goes through (downloads and cached bytes alike). */
import { WorkerCtor } from '../platform/globals.js'

const hex = (digest: ArrayBuffer) =>
  [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('')

/**
 * True when `bytes` hash to `digest` (`sha256:<hex>`). crypto.subtle hashes synchronously, on this
 * thread (~0.6 GB/s): see `startBlobCheck` for checking cached bytes elsewhere.
 */
export async function matchesDigest(bytes: Uint8Array, digest: string): Promise<boolean> {
  return digest === `sha256:${hex(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>))}`
}

/**
 * True when `bytes` hash to `digest`: on `helper` (given `data`: the same bytes, or the Blob they were
 * read from) where there is one, else, or when it fails, on this thread.
 */
export function checkDigest(
  bytes: Uint8Array,
  digest: string,
  helper: BlobCheck | null | undefined,
  data: Blob | Uint8Array = bytes,
): Promise<boolean> {
  return helper
    ? helper.check(data, digest).catch(() => matchesDigest(bytes, digest))
    : matchesDigest(bytes, digest)
}

/**
 * A throwaway worker's script. It hashes the one Blob or byte array it gets and answers the hex digest
 * (null if it cannot). Or it first gets a size, then `[offset, piece]`s to copy into a buffer of that
 * size, then null: it hashes the buffer.
 */
export const HASHER = `let b;onmessage=async({data:d})=>{if(typeof d=='number')return b=new Uint8Array(d);if(Array.isArray(d))return b.set(d[1],d[0]);let h=null;try{h=[...new Uint8Array(await crypto.subtle.digest('SHA-256',d===null?b:d instanceof Blob?await d.arrayBuffer():d))].map(x=>x.toString(16).padStart(2,'0')).join('')}catch{}postMessage(h)}`

/** One digest check on a worker of its own: `check` hashes there; `stop` when none is needed. */
export interface BlobCheck {
  /**
   * Hands the worker a piece of the bytes as it arrives, `at` its offset, so it has them all when the
   * check is asked for. A piece that spans its whole buffer is transferred (the caller has copied it),
   * else copied. Pieces must come in order from 0: any gap or restart makes `check` send the bytes.
   */
  push(piece: Uint8Array, at: number): void
  /**
   * True when `data` hashes to `digest`; rejects when the worker failed (check the bytes here then). A
   * byte array the pushed pieces cover is not sent again; another one is copied to the worker (this
   * thread keeps it); a Blob is read there.
   */
  check(data: Blob | Uint8Array, digest: string): Promise<boolean>
  stop(): void
}

/** Below this size a file is hashed where it is (under ~2 ms): cheaper than starting a worker. */
export const OFF_THREAD_MIN_BYTES = 1 << 20
/**
 * Past this size a file is hashed where it is too: the helper holds a copy of the bytes while it hashes,
 * and for large models that memory matters more than the ~1.6 ms per MiB it saves a load.
 */
export const OFF_THREAD_MAX_BYTES = 256 << 20

/** How long a check may wait for its helper before this thread hashes instead: 5 s, plus 20 ms per MiB. */
export const checkTimeout = (size: number) => 5000 + size / 52_429

/**
 * Starts a worker for one digest check of `size` bytes, or returns null where none is worth it (outside
 * OFF_THREAD_MIN_BYTES..OFF_THREAD_MAX_BYTES) or none can be made (no Worker, Deno). Start it early, while
 * this thread is free: a worker started just before a long synchronous task (creating a session) only
 * gets going once that task is over. Give it a cached Blob once this thread has read its bytes, so the
 * two reads do not compete, or downloaded bytes once they are all here: it hashes them while this thread
 * creates the session. A helper that cannot run (a CSP without blob: workers fails it after it is made),
 * fails, or does not answer in time makes `check` reject: the caller then hashes on its own thread.
 */
export function startBlobCheck(size: number): BlobCheck | null {
  const W = WorkerCtor()
  if (size < OFF_THREAD_MIN_BYTES || size > OFF_THREAD_MAX_BYTES || !W) return null
  let w: Worker
  const url = URL.createObjectURL(new Blob([HASHER], { type: 'text/javascript' }))
  const stop = () => {
    w?.terminate()
    URL.revokeObjectURL(url)
  }
  try {
    w = new W(url)
  } catch {
    stop()
    return null
  }
  // The answer (a hex digest, or null on failure) goes to the check waiting for it. An error can come
  // at any time, even before a check is asked for: it is kept.
  let failed = false
  let answer: ((h: unknown) => void) | undefined
  w.onmessage = (e) => answer?.(e.data)
  w.onerror = w.onmessageerror = () => {
    failed = true
    answer?.(null)
  }
  // Bytes pushed so far, contiguous from 0; -1 once a piece came out of order.
  let pushed = 0
  return {
    push(piece, at) {
      if (failed || pushed < 0 || at !== pushed) {
        pushed = -1
        return
      }
      if (at === 0) w.postMessage(size)
      pushed += piece.byteLength
      const own =
        piece.byteOffset === 0 && piece.byteLength === piece.buffer.byteLength ? piece : piece.slice()
      w.postMessage([at, own], [own.buffer])
    },
    check: (data, digest) =>
      new Promise<boolean>((resolve, reject) => {
        const timer = setTimeout(() => answer?.(null), checkTimeout(size))
        answer = (h) => {
          clearTimeout(timer)
          answer = undefined
          stop()
          typeof h === 'string'
            ? resolve(digest === `sha256:${h}`)
            : reject(new Error('digest worker failed'))
        }
        if (failed) return answer(null)
        w.postMessage(data instanceof Uint8Array && pushed === size && data.byteLength === size ? null : data)
      }),
    stop,
  }
}
