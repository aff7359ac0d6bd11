// Test support: faults injected by wrapping a real Backend (the seam a host would wrap too), for unit
// tests and for the e2e suite's fault worker. Nothing here lives in src/.
import type { Manifest } from '@ferry/protocol'
import type { Backend, BackendName, Session } from '../src/backends/types.js'

/** Wraps each session `inner` makes; `wrap` gets the session, its device and the model's manifest. */
export function wrapSessions(
  inner: Backend,
  wrap: (s: Session, device: BackendName, manifest: Manifest) => Session,
): Backend {
  return {
    name: inner.name,
    formats: inner.formats,
    devices: inner.devices,
    probe: (d, explicit) => inner.probe(d, explicit),
    createSession: async (files, manifest, device) =>
      wrap(await inner.createSession(files, manifest, device), device, manifest),
  }
}

/** Session creation on `device` fails (as a WebGPU session that cannot be built). */
export function failSessions(inner: Backend, device: BackendName, message = 'forced by a test'): Backend {
  return {
    ...wrapSessions(inner, (s) => s),
    createSession: (files, manifest, d) =>
      d === device ? Promise.reject(new Error(message)) : inner.createSession(files, manifest, d),
  }
}

/** Runs on `device` fail after the first `after` ones (as ORT's WebGPU buffer manager can), `times` times. */
export function failRuns(
  inner: Backend,
  device: BackendName,
  opts: { after?: number; times?: number; message?: string } = {},
): Backend {
  let runs = 0
  let failed = 0
  return wrapSessions(inner, (s, d) =>
    d !== device
      ? s
      : {
          ...s,
          device: s.device,
          async run(feeds, o) {
            runs++
            if (runs > (opts.after ?? 0) && failed < (opts.times ?? Number.POSITIVE_INFINITY)) {
              failed++
              throw new Error(opts.message ?? 'BufferManager::Download: MapAsyncStatus (forced by a test)')
            }
            return s.run(feeds, o)
          },
          release: () => s.release(),
        },
  )
}

/** Runs that never answer until `release()`, to hold work in flight (a crash mid-run). */
export function hangRuns(inner: Backend): Backend & { release(): void } {
  let free: () => void = () => {}
  let gate = new Promise<void>((r) => {
    free = r
  })
  return {
    ...wrapSessions(inner, (s) => ({
      device: s.device,
      async run(feeds, o) {
        await gate
        return s.run(feeds, o)
      },
      release: () => s.release(),
    })),
    release() {
      free()
      gate = Promise.resolve()
    },
  }
}
