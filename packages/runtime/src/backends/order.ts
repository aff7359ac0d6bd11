/** The order in which backends are tried for a model: load option, runtime option, manifest hints. */
import { type BackendName, FerryError, type Manifest } from '@ferry/protocol'

const BACKENDS: readonly BackendName[] = ['webgpu', 'wasm']

/**
 * The manifest's `runtime.backends` says what the model supports; the runtime's `backends` option
 * reorders or narrows it; a load's `backend` puts one first (WASM stays as the last resort unless the
 * load asked for WASM). Throws BACKEND_UNAVAILABLE when nothing is left.
 */
export function backendOrder(
  manifest: Pick<Manifest, 'runtime'>,
  runtimeOption?: readonly BackendName[],
  loadOption?: BackendName,
): BackendName[] {
  const supported = manifest.runtime?.backends ?? BACKENDS
  let order = (runtimeOption ?? supported).filter((b) => supported.includes(b))
  if (loadOption) order = [loadOption, ...order.filter((b) => b !== loadOption)]
  if (loadOption === 'wasm') order = ['wasm']
  order = [...new Set(order)].filter((b) => supported.includes(b))
  if (order.length === 0)
    throw new FerryError(
      'BACKEND_UNAVAILABLE',
      `no usable backend: the model supports ${supported.join(', ')}, the runtime allows ${(runtimeOption ?? []).join(', ') || 'none'}`,
    )
  return order
}
