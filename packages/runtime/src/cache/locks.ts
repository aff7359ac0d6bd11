/**
 * Cross-context coordination for the cache: an exclusive lock around writes and evictions, and shared
 * "retain" locks that tell every tab and worker of the origin which versions are in use. Uses Web Locks
 * (`navigator.locks`) where present, else an in-process stand-in with the same semantics.
 */
import { webLocks as hostLocks } from '../platform/globals.js'

/** The part of the Web Locks API the cache uses. */
export interface LockManagerLike {
  request(
    name: string,
    options: { mode: 'exclusive' | 'shared' },
    callback: () => Promise<unknown>,
  ): Promise<unknown>
  query(): Promise<{ held?: Array<{ name?: string }>; pending?: Array<{ name?: string }> }>
}

export interface Locks {
  /** Runs `fn` while holding the exclusive lock `name` (no other context holds it meanwhile). */
  exclusive<T>(name: string, fn: () => Promise<T>): Promise<T>
  /** Holds the shared lock `name` until the returned function is called. */
  hold(name: string): () => void
  /** Names of shared locks held or requested anywhere (every tab and worker), starting with `prefix`. */
  held(prefix: string): Promise<Set<string>>
}

/** Web Locks when the platform has them (browsers, workers, Deno), else the in-process stand-in. */
export function platformLocks(): Locks {
  const manager = hostLocks()
  return manager ? webLocks(manager) : localLocks()
}

/** Locks over a `LockManager`. */
export function webLocks(manager: LockManagerLike): Locks {
  return {
    exclusive: (name, fn) => manager.request(name, { mode: 'exclusive' }, fn) as Promise<never>,
    hold(name) {
      let release = () => {}
      const held = new Promise<void>((resolve) => {
        release = resolve
      })
      manager.request(name, { mode: 'shared' }, () => held).catch(() => {})
      return once(release)
    },
    async held(prefix) {
      const q = await manager.query()
      const names = [...(q.held ?? []), ...(q.pending ?? [])].map((l) => l.name ?? '')
      return new Set(names.filter((n) => n.startsWith(prefix)))
    },
  }
}

// The stand-in is shared by every cache in the process, so two caches over one store (two "tabs" in a
// test, two runtimes in one Node process) see each other's locks as tabs do through Web Locks.
let local: Locks | undefined

/** In-process locks: a promise chain per exclusive name and a count per shared name. */
export function localLocks(): Locks {
  if (local) return local
  const tails = new Map<string, Promise<unknown>>()
  const shared = new Map<string, number>()
  local = {
    exclusive(name, fn) {
      const run = (tails.get(name) ?? Promise.resolve()).then(fn, fn)
      const tail = run.catch(() => {})
      tails.set(name, tail)
      tail.then(() => {
        if (tails.get(name) === tail) tails.delete(name)
      })
      return run
    },
    hold(name) {
      shared.set(name, (shared.get(name) ?? 0) + 1)
      return once(() => {
        const n = (shared.get(name) ?? 1) - 1
        if (n > 0) shared.set(name, n)
        else shared.delete(name)
      })
    },
    async held(prefix) {
      return new Set([...shared.keys()].filter((n) => n.startsWith(prefix)))
    },
  }
  return local
}

function once(fn: () => void): () => void {
  let done = false
  return () => {
    if (done) return
    done = true
    fn()
  }
}
