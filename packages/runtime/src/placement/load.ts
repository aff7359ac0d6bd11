/**
 * `load(name, { placement })` with an edge: resolves the version with the registry (through the engine,
 * so offline loads resolve as the device would), then places it.
 * - `edge`: on the edge, at that exact version, checked file for file (EDGE_MISMATCH otherwise); never moves.
 * - `auto`: the edge when the device should not (over its session or cache budget) or cannot (the
 *   registry unreachable and the version not on the device, a failed load, MODEL_TOO_LARGE); the device
 *   when it holds the version already; otherwise both at once — the edge answers while the device
 *   downloads and compiles (warm start), then calls move to the device. Edge unreachable: the device.
 *   Neither: the edge's error (EDGE_UNREACHABLE, EDGE_MISMATCH, …) with the device's reason.
 * `device` never comes here (the runtime loads it as without an edge).
 */
import { FerryError, type Manifest } from '@ferry/protocol'
import type { PlacementContext } from '../api/runtime.js'
import { withSignal } from '../api/signal.js'
import type { EdgeTarget, LoadOptions, Model, RuntimeOptions } from '../api/types.js'
import { POOL_DEFAULTS } from '../engine/pool.js'
import { type EdgeClient, type EdgeModel, edgeClient } from './edge-client.js'
import { PlacedModel } from './placed-model.js'
import { codeOf, deviceReason, messageOf, neither, OFFLINE, overBudget } from './rules.js'

type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown }
const settle = <T>(p: Promise<T>): Promise<Settled<T>> =>
  p.then(
    (value) => ({ ok: true, value }),
    (error) => ({ ok: false, error }),
  )

/** Loads `name` with `opts.placement` (`auto` or `edge`); see the module comment. */
export async function loadPlaced(ctx: PlacementContext, name: string, opts: LoadOptions): Promise<Model> {
  try {
    return await place(ctx, name, opts)
  } catch (err) {
    throw ctx.error(err)
  }
}

/** The edge's URL (resolved against the page's) and token, from `createRuntime`'s `edge`. */
export function edgeTarget(edge: RuntimeOptions['edge'], baseUrl?: string): { url: string; token?: string } {
  const t = (typeof edge === 'object' && 'url' in edge ? edge : { url: edge }) as EdgeTarget
  return { url: new URL(t.url, baseUrl).href, ...(t.token ? { token: t.token } : {}) }
}

async function place(ctx: PlacementContext, name: string, opts: LoadOptions): Promise<Model> {
  const client = edgeClient(
    edgeTarget(ctx.options.edge, ctx.baseUrl),
    ctx.options.fetch ?? fetch.bind(globalThis),
  )
  const { signal } = opts
  let manifest: Manifest | null = null
  let offline: unknown = null
  // What `auto` weighs, asked of the engine at once with the resolution (the device's budgets, its cache).
  const facts =
    opts.placement === 'edge'
      ? null
      : Promise.all([ctx.call((e) => e.cache.estimate()), ctx.call((e) => e.cache.list())])
  facts?.catch(() => {})
  try {
    manifest = await withSignal(
      ctx.call((e) => e.resolve(name, opts.version)),
      signal,
      () => {},
    )
  } catch (err) {
    // Registry unreachable and the version unknown here: only the edge can tell which version it is.
    if (!OFFLINE.has(codeOf(err))) throw err
    offline = err
  }
  const base = { ctx, client, device: null, remote: null }
  const version = manifest?.version ?? opts.version ?? 'latest'

  if (opts.placement === 'edge') {
    const remote = await client.open(name, version, manifest, signal)
    return new PlacedModel({ ...base, mode: 'edge', manifest: remote.manifest, remote })
  }
  const onEdge = async (why: string, known: Manifest | null) => {
    let remote: EdgeModel
    try {
      remote = await client.open(name, version, known, signal)
    } catch (err) {
      throw codeOf(err) === 'ABORTED' ? err : neither(`${name}@${version}`, why, err)
    }
    return new PlacedModel({ ...base, mode: 'auto', manifest: remote.manifest, remote, reason: why })
  }
  if (!manifest) return onEdge(`offline-not-cached: ${messageOf(offline)}`, null)

  const [estimate, cached] = await (facts as NonNullable<typeof facts>)
  const over = overBudget(manifest, {
    sessions: ctx.options.sessions?.maxBytes ?? POOL_DEFAULTS.maxBytes,
    cache: estimate.budget,
  })
  if (over) return onEdge(over, manifest)

  const { placement: _, ...rest } = opts
  const deviceOpts: LoadOptions = { ...rest, placement: 'device', version: manifest.version }
  const v = manifest.version
  const local = cached.some((e) => e.name === name && e.version === v && (e.complete || e.inMemory))
  if (local) {
    // On this device already: load it there (a compile, no download); the edge only if that fails.
    try {
      const device = await ctx.load(name, deviceOpts)
      return new PlacedModel({ ...base, mode: 'auto', manifest, device })
    } catch (err) {
      const why = deviceReason(err)
      if (!why) throw err
      return onEdge(why, manifest)
    }
  }
  return warmStart(ctx, client, manifest, deviceOpts)
}

/**
 * Not on this device: the device loads it (download, compile) while the edge opens it; whichever is ready
 * first answers `load`. The edge first: a PlacedModel on the edge that moves to the device once its load
 * is ready. One side failing leaves the other; both failing is the edge's error with the device's reason.
 */
async function warmStart(
  ctx: PlacementContext,
  client: EdgeClient,
  manifest: Manifest,
  opts: LoadOptions,
): Promise<Model> {
  const { name, version } = manifest
  const abort = new AbortController()
  const stop = () => abort.abort()
  opts.signal?.addEventListener('abort', stop, { once: true })
  try {
    const device = ctx.load(name, { ...opts, signal: abort.signal })
    const remote = client.open(name, version, manifest, opts.signal)
    // An edge that cannot serve this version is reported, whichever side wins.
    remote.catch((err) => {
      if (codeOf(err) !== 'ABORTED')
        ctx.emit([{ type: 'error', model: name, version, code: codeOf(err), ts: Date.now() }])
    })
    const d = settle(device)
    const r = settle(remote)
    const first = await Promise.race([d.then(() => 'device'), r.then(() => 'edge')])
    const base = { ctx, client, mode: 'auto' as const, manifest }
    const [dev, edge] = first === 'device' ? [await d, null] : [null, await r]
    if (edge?.ok) {
      // The device keeps loading; its progress keeps reaching `opts.onProgress`.
      return new PlacedModel({
        ...base,
        remote: edge.value,
        device: null,
        pending: { model: device, abort },
        reason: 'warm-start',
      })
    }
    // The edge, if it opens, stays the model's edge side, should the device fail later.
    if (dev?.ok) return new PlacedModel({ ...base, remote: null, opening: remote, device: dev.value })
    // One side failed: the other decides.
    const [devFinal, edgeFinal] = await Promise.all([d, r])
    if (opts.signal?.aborted) throw new FerryError('ABORTED', 'the load was aborted')
    if (devFinal.ok) return new PlacedModel({ ...base, remote: null, device: devFinal.value })
    const why = deviceReason(devFinal.error)
    if (!why) throw devFinal.error
    if (!edgeFinal.ok) throw neither(`${name}@${version}`, why, edgeFinal.error)
    return new PlacedModel({ ...base, remote: edgeFinal.value, device: null, reason: why })
  } finally {
    opts.signal?.removeEventListener('abort', stop)
  }
}
