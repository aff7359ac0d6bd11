/**
 * The engine: loads verified model versions from the registry (through the bytes cache), keeps live
 * sessions in a pool under a budget, and runs requests through each model's queue on the backends it
 * is given. Platform-free: every dependency is passed in (see `platform/*`); embeddable in any host.
 */
import { FerryError, manifestSize, type TelemetryEvent } from '@ferry/protocol'
import { toRegistry } from '../backends/registry.js'
import type { PartialDownload } from '../registry-client/download.js'
import { type RegistryContext, resolveManifest } from '../registry-client/resolve.js'
import type { Inputs } from '../tensors/tensor.js'
import { validateInputs } from '../tensors/validate.js'
import { engineCache } from './cache-calls.js'
import { type Job, LiveModel, type ModelHost } from './live-model.js'
import { type FetchOptions, loadFiles } from './loader.js'
import { SessionPool } from './pool.js'
import type { EngineApi, EngineOptions, LoadRequest, ModelInfo, Progress, RunResult } from './types.js'
import { runtimeClosed } from './wire.js'

const codeOf = (e: unknown) => (e as { code?: string })?.code ?? 'INTERNAL'

/** Creates an engine; nothing is fetched or loaded until `load`. */
export function createEngine(options: EngineOptions): EngineApi {
  const registry = toRegistry(options.backends)
  // A failing listener must not break the engine.
  const emit = (e: TelemetryEvent) => {
    try {
      options.emit?.([e])
    } catch {}
  }
  const ctx: RegistryContext = { registry: options.registry, fetch: options.fetch, cache: options.cache }
  const models = new Map<string, LiveModel>()
  const loading = new Map<string, Promise<{ model: LiveModel; source: 'cache' | 'network' }>>()
  const handles = new Map<number, LiveModel>()
  const calls = new Map<number, AbortController>()
  const storing = new Set<Promise<unknown>>()
  const fetchOpts: FetchOptions = {
    partials: new Map<string, PartialDownload>(),
    suspect: new Set<string>(),
    storing,
    emit,
    digest: options.digest,
  }
  const pool = new SessionPool(options.sessions, () => models.values(), options.rankSessions)
  let nextHandle = 1
  let closed = false

  const host: ModelHost = {
    maxQueue: options.maxQueue ?? 128,
    files: (manifest) => loadFiles(ctx, manifest, fetchOpts, async (f) => f).then((r) => r.value),
    onFallback: (m, f) =>
      emit({
        type: 'fallback',
        model: m.manifest.name,
        version: m.manifest.version,
        ...f,
        to: m.backend,
        ts: Date.now(),
      }),
    onBatch: (m, jobs: Job[], startedAt, computeMs, ok) =>
      emit({
        type: 'inference',
        model: m.manifest.name,
        version: m.manifest.version,
        backend: m.backend,
        batch: Math.max(1, jobs.length),
        queueMs: Math.max(0, startedAt - (jobs[0]?.enqueuedAt ?? startedAt)),
        computeMs,
        ok,
        ts: Date.now(),
      }),
  }

  const assertOpen = () => {
    if (closed) throw runtimeClosed()
  }
  const track = (callId: number | undefined) => {
    const ac = new AbortController()
    if (callId !== undefined) calls.set(callId, ac)
    return ac
  }
  const fail = (err: unknown, model?: string, version?: number): never => {
    emit({
      type: 'error',
      ...(model ? { model } : {}),
      ...(version ? { version } : {}),
      code: codeOf(err),
      ts: Date.now(),
    })
    throw err
  }
  const info = (m: LiveModel, handle: number): ModelInfo => ({
    handle,
    backend: m.backend,
    fallback: m.fallback,
    manifest: m.manifest,
  })

  /** The live model of `manifest`, loading it (once, however many callers ask at the same time). */
  async function live(
    req: LoadRequest,
    signal: AbortSignal,
    onProgress: ((p: Progress) => void) | undefined,
    manifest: Awaited<ReturnType<typeof resolveManifest>>,
  ): Promise<{ model: LiveModel; source: 'memory' | 'cache' | 'network' }> {
    const key = `${manifest.name}@${manifest.version}`
    const have = models.get(key)
    if (have) {
      if (!have.session) {
        pool.fit(have, true)
        await have.ensure()
      }
      return { model: have, source: 'memory' }
    }
    let pending = loading.get(key)
    if (!pending) {
      pending = (async () => {
        const plan = registry.plan(manifest, options.devices, req.backend)
        const m = new LiveModel(manifest, plan, host, req.batching)
        pool.fit(m, true)
        // loadFiles retains the version's bytes against eviction while this load needs them and until
        // its background store settles. Cached bytes reach `create` while their digest is checked: the
        // session is only published once loadFiles resolves, i.e. once the check passed.
        const { source } = await loadFiles(
          ctx,
          manifest,
          { ...fetchOpts, signal, onProgress },
          async (files) => {
            onProgress?.({ phase: 'compiling', loaded: m.bytes, total: m.bytes })
            await m.create(files)
          },
          () => m.release(),
        )
        // Only now: a session made from bytes that failed their check never reports a fallback.
        m.announceFallback()
        if (closed) await m.release()
        assertOpen()
        models.set(key, m)
        return { model: m, source }
      })()
      loading.set(key, pending)
      const done = () => loading.delete(key)
      pending.then(done, done)
    }
    return pending
  }

  return {
    resolve: (name, version) => resolveManifest(ctx, name, version),

    async load(req, onProgress) {
      assertOpen()
      const ac = track(req.callId)
      const t0 = performance.now()
      let manifest: Awaited<ReturnType<typeof resolveManifest>> | undefined
      try {
        onProgress?.({ phase: 'resolving', loaded: 0, total: 0 })
        manifest = await resolveManifest(ctx, req.name, req.version, ac.signal)
        const { model, source } = await live(req, ac.signal, onProgress, manifest)
        const handle = nextHandle++
        model.handles.add(handle)
        handles.set(handle, model)
        model.lastUsed = Date.now()
        pool.fit(model)
        emit({
          type: 'load',
          model: manifest.name,
          version: manifest.version,
          backend: model.backend,
          source,
          bytes: model.bytes,
          ms: performance.now() - t0,
          ts: Date.now(),
        })
        const total = manifestSize(manifest)
        onProgress?.({ phase: 'ready', loaded: total, total })
        return info(model, handle)
      } catch (err) {
        return fail(err, manifest?.name ?? req.name, manifest?.version)
      } finally {
        if (req.callId !== undefined) calls.delete(req.callId)
      }
    },

    async run(handle: number, inputs: Inputs, callId?: number): Promise<RunResult> {
      const m = handles.get(handle)
      if (!m) throw new FerryError('MODEL_UNLOADED', 'this model was unloaded; load it again')
      const ac = callId === undefined ? undefined : track(callId)
      try {
        const tensors = validateInputs(m.manifest.inputs, inputs)
        if (!m.session && !m.busy) {
          pool.fit(m, true)
          await m.ensure()
        }
        const r = await m.queue.push({ inputs: tensors, enqueuedAt: performance.now() }, ac?.signal)
        pool.arm()
        return { outputs: r.outputs, backend: m.backend, fallback: m.fallback, timing: r.timing }
      } catch (err) {
        return fail(err, m.manifest.name, m.manifest.version)
      } finally {
        if (callId !== undefined) calls.delete(callId)
      }
    },

    abort(callId) {
      calls.get(callId)?.abort()
    },

    async unload(handle) {
      const m = handles.get(handle)
      if (!m) return
      handles.delete(handle)
      m.handles.delete(handle)
      if (m.handles.size > 0) return
      models.delete(m.key)
      m.queue.close(new FerryError('MODEL_UNLOADED', 'the model was unloaded'))
      await m.release()
    },

    async sessions() {
      const now = Date.now()
      return [...models.values()].map((m) => ({
        key: m.key,
        name: m.manifest.name,
        version: m.manifest.version,
        backend: m.backend,
        state: m.state,
        bytes: m.held,
        lastUsed: m.lastUsed,
        uses: m.uses,
        callsPerMin: m.rate.perMinute(now),
        queued: m.queue.length,
        running: m.running,
        handles: m.handles.size,
      }))
    },

    cache: engineCache(options.cache, models, () => Promise.all(storing)),

    async close() {
      if (closed) return
      closed = true
      pool.stop()
      for (const ac of calls.values()) ac.abort()
      const err = runtimeClosed()
      await Promise.all(
        [...models.values()].map(async (m) => {
          m.queue.close(err)
          await m.release()
        }),
      )
      models.clear()
      handles.clear()
      await Promise.all(storing)
    },
  }
}
