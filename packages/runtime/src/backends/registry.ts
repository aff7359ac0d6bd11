/**
 * Backends by priority, as onnxruntime-common registers them: which (backend, device) pairs may run a
 * manifest, in order, given the runtime's and the load's device preferences.
 */
import { type BackendName, FerryError, type Manifest } from '@ferry/protocol'
import type { Backend } from './types.js'

/** One way to run a model: a backend on one of its devices. */
export interface Candidate {
  backend: Backend
  device: BackendName
  /** The caller named this device (a backend may then offer what it would not choose by itself). */
  explicit: boolean
}

/** The pairs to try, best first, and what a model that does not get the first one reports. */
export interface Plan {
  candidates: Candidate[]
  /** Set when the default first device is not tried at all (the caller narrowed the order). */
  notRequested: BackendName | null
}

export class BackendRegistry {
  readonly #entries: { backend: Backend; priority: number }[] = []

  /** Adds a backend; higher priority is tried first (ties: first registered first). */
  register(backend: Backend, priority = 0): this {
    if (this.#entries.some((e) => e.backend.name === backend.name))
      throw new FerryError('BAD_REQUEST', `a backend named "${backend.name}" is already registered`)
    this.#entries.push({ backend, priority })
    this.#entries.sort((a, b) => b.priority - a.priority)
    return this
  }

  /** Registered backends, highest priority first. */
  get backends(): Backend[] {
    return this.#entries.map((e) => e.backend)
  }

  /**
   * The (backend, device) pairs for `manifest`: backends that read its format, by priority, each device
   * once; narrowed to the manifest's `runtime.backends`; reordered and narrowed by `preferred` (the
   * runtime's option); `forced` (a load's option) goes first and drops the devices ranked above it.
   */
  plan(
    manifest: Pick<Manifest, 'format' | 'runtime'>,
    preferred?: readonly BackendName[],
    forced?: BackendName,
  ): Plan {
    const readers = this.backends.filter((b) => b.formats.includes(manifest.format))
    if (readers.length === 0)
      throw new FerryError(
        'BACKEND_UNAVAILABLE',
        `no backend reads format "${manifest.format}" (registered: ${this.#describe() || 'none'})`,
      )
    const owner = new Map<BackendName, Backend>()
    for (const b of readers) for (const d of b.devices) if (!owner.has(d)) owner.set(d, b)
    const supported = manifest.runtime?.backends
    const offered = [...owner.keys()].filter((d) => !supported || supported.includes(d))
    let order = preferred ? preferred.filter((d) => offered.includes(d)) : offered
    if (forced) {
      const at = order.indexOf(forced)
      order = at >= 0 ? order.slice(at) : offered.includes(forced) ? [forced, ...order] : []
    }
    order = [...new Set(order)]
    if (order.length === 0)
      throw new FerryError(
        'BACKEND_UNAVAILABLE',
        `no usable device: the model supports ${(supported ?? offered).join(', ') || 'none here'}, ` +
          `the backends here offer ${[...owner.keys()].join(', ')}` +
          (preferred ? `, the runtime allows ${preferred.join(', ') || 'none'}` : '') +
          (forced ? `, the load asked for ${forced}` : ''),
      )
    const named = new Set<BackendName>([...(preferred ?? []), ...(forced ? [forced] : [])])
    const first = offered[0] as BackendName
    return {
      candidates: order.map((device) => ({
        backend: owner.get(device) as Backend,
        device,
        explicit: named.has(device),
      })),
      notRequested: order.includes(first) ? null : first,
    }
  }

  #describe(): string {
    return this.backends.map((b) => `${b.name} (${b.formats.join(', ')})`).join(', ')
  }
}

/** A registry from a list (earlier = higher priority), or the registry itself. */
export function toRegistry(backends: BackendRegistry | readonly Backend[]): BackendRegistry {
  if (backends instanceof BackendRegistry) return backends
  const r = new BackendRegistry()
  backends.forEach((b, i) => {
    r.register(b, backends.length - i)
  })
  return r
}
