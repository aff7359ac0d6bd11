/**
 * The engine: loads verified model versions from the registry (through the bytes cache), keeps live
 * sessions in one table under a budget, and runs requests through each model's queue. Platform-free:
 * fetch, the cache and the ORT module are passed in. Runs in a worker or in-thread, same code.
 */
import { FerryError, type TelemetryEvent } from '@ferry/protocol'
import { backendOrder } from '../backends/order.js'
import { OrtHost } from '../backends/ort.js'
import { detectCapabilities } from '../platform/env.js'
import type { PartialDownload } from '../registry-client/download.js'
import { type RegistryContext, resolveManifest } from '../registry-client/resolve.js'
import { validateInputs } from '../tensors/validate.js'
import { createDefaultCache } from './default-cache.js'
import { GpuState } from './gpu.js'
import { LiveModel, type ModelHost } from './live-model.js'
import { loadFiles } from './loader.js'
import { pickSessionsToRelease } from './session-budget.js'
import type { EngineApi, EngineConfig, EngineDeps, ModelInfo, SessionStat } from './types.js'
import { runtimeClosed } from './wire.js'

const codeOf = (e: unknown) => (e as { code?: string })?.code ?? 'INTERNAL'

/** Creates an engine; nothing is fetched or loaded until `load`. */
export function createEngine(config: EngineConfig, deps: EngineDeps): EngineApi {
  const caps = detectCapabilities()
  // Events go straight to the host's sink; across a worker, run-port.ts batches them.
  const emit = (e: TelemetryEvent) => {
    try {
      deps.emit([e])
    } catch {
      // a failing listener must not break the engine
    }
  }
  const cache = deps.cache ?? createDefaultCache(config.cacheOptions, emit, deps.createCache)
  const ctx: RegistryContext = {
    registry: config.registry,
    fetch: deps.fetch ?? fetch.bind(globalThis),
    cache,
  }
  const gpu = new GpuState()
  const ortHost = new OrtHost(deps.loadOrt, {
    ...(config.wasmPaths ? { wasmPaths: config.wasmPaths } : {}),
    ...(config.numThreads ? { numThreads: config.numThreads } : {}),
    crossOriginIsolated: caps.crossOriginIsolated,
    hardwareConcurrency: caps.hardwareConcurrency,
  })
  const gpuWanted = !config.backends || config.backends.includes('webgpu')
  let flavor: Promise<'webgpu' | 'wasm'> | undefined
  const models = new Map<string, LiveModel>()
  const loading = new Map<string, Promise<{ model: LiveModel; source: 'cache' | 'network' }>>()
  const handles = new Map<number, LiveModel>()
  const calls = new Map<number, AbortController>()
  const partials = new Map<string, PartialDownload>()
  const suspect = new Set<string>()
  const storing = new Set<Promise<unknown>>()
  /** Waits for background stores, so cache calls (and close) see what loads stored. */
  const stored = () => Promise.all(storing)
  const fetchOpts = { partials, suspect, storing, emit }
  let nextHandle = 1
  let closed = false

  const host: ModelHost = {
    ort: ortHost,
    gpu,
    hooks: config.testHooks ?? {},
    maxQueue: config.maxQueue ?? 128,
    ortModule() {
      flavor ??= gpuWanted ? gpu.check().then((p) => (p.ok ? 'webgpu' : 'wasm')) : Promise.resolve('wasm')
      // The WebGPU build failing to load leaves the WASM build: sessions then fall back with the reason.
      return flavor.then((f) =>
        ortHost.module(f).catch((e) => (f === 'webgpu' ? ortHost.module('wasm') : Promise.reject(e))),
      )
    },
    files: (manifest) => loadFiles(ctx, manifest, fetchOpts, async (b) => b).then((r) => r.value),
    onFallback(m, f, to) {
      emit({
        type: 'fallback',
        model: m.manifest.name,
        version: m.manifest.version,
        from: f.from,
        to,
        reason: f.reason,
        ts: Date.now(),
      })
    },
    onBatch(m, jobs, startedAt, computeMs, ok) {
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
      })
    },
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

  /** Releases idle sessions past the budget (never `keep`, never one with queued requests). */
  const enforceBudget = (keep: LiveModel) => {
    if (!config.sessions) return
    for (const m of pickSessionsToRelease([...models.values()], keep, config.sessions)) void m.release()
  }

  const info = (m: LiveModel, handle: number): ModelInfo => ({
    handle,
    name: m.manifest.name,
    version: m.manifest.version,
    backend: m.backend,
    fallback: m.fallback,
    inputs: m.manifest.inputs,
    outputs: m.manifest.outputs,
    manifest: m.manifest,
  })

  return {
    async load(req, onProgress) {
      assertOpen()
      const ac = track(req.callId)
      const t0 = performance.now()
      let manifest: Awaited<ReturnType<typeof resolveManifest>> | undefined
      try {
        onProgress?.({ phase: 'resolving', loaded: 0, total: 0 })
        manifest = await resolveManifest(ctx, req.name, req.version, ac.signal)
        const m0 = manifest
        const key = `${m0.name}@${m0.version}`
        let model = models.get(key)
        let source: 'memory' | 'cache' | 'network' = 'memory'
        if (!model) {
          let pending = loading.get(key)
          if (!pending) {
            pending = (async () => {
              const m = new LiveModel(m0, backendOrder(m0, config.backends, req.backend), host)
              // loadFiles retains the version's bytes against eviction (here and in other tabs' plans) while
              // this load needs them and until its background store settles; then they may go (a re-creation
              // refetches). Cached bytes reach `create` while their digest is checked: the session is only
              // published (models, handles) once loadFiles resolves, i.e. once the check passed.
              const { source } = await loadFiles(
                ctx,
                m0,
                { ...fetchOpts, signal: ac.signal, onProgress },
                async (bytes) => {
                  onProgress?.({ phase: 'compiling', loaded: m.bytes, total: m.bytes })
                  await m.create(bytes)
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
          ;({ model, source } = await pending)
        } else if (!model.session) {
          await model.ensure()
        }
        const handle = nextHandle++
        model.handles.add(handle)
        handles.set(handle, model)
        model.lastUsed = Date.now()
        enforceBudget(model)
        emit({
          type: 'load',
          model: m0.name,
          version: m0.version,
          backend: model.backend,
          source,
          bytes: model.bytes,
          ms: performance.now() - t0,
          ts: Date.now(),
        })
        onProgress?.({ phase: 'ready', loaded: model.bytes, total: model.bytes })
        return info(model, handle)
      } catch (err) {
        return fail(err, manifest?.name ?? req.name, manifest?.version)
      } finally {
        if (req.callId !== undefined) calls.delete(req.callId)
      }
    },

    async run(handle, inputs, callId) {
      const m = handles.get(handle)
      if (!m) throw new FerryError('MODEL_UNLOADED', 'this model was unloaded; load it again')
      const ac = callId === undefined ? undefined : track(callId)
      try {
        const tensors = validateInputs(m.manifest.inputs, inputs)
        if (!m.session && !m.queue.busy) {
          await m.ensure()
          enforceBudget(m)
        }
        const outputs = await m.queue.push({ inputs: tensors, enqueuedAt: performance.now() }, ac?.signal)
        return { outputs, backend: m.backend, fallback: m.fallback }
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

    async sessions(): Promise<SessionStat[]> {
      return [...models.values()].map((m) => ({
        key: m.key,
        name: m.manifest.name,
        version: m.manifest.version,
        backend: m.backend,
        bytes: m.bytes,
        lastUsed: m.lastUsed,
        uses: m.uses,
        queued: m.queue.length,
        live: m.session !== null,
        handles: m.handles.size,
      }))
    },

    async cache(op: string, name?: string, version?: number): Promise<never> {
      await stored()
      switch (op) {
        case 'list':
          return (await cache.list()).map((e) => ({
            ...e,
            inMemory: models.get(`${e.name}@${e.version}`)?.session != null,
          })) as never
        case 'delete':
          return cache.delete(name as string, version) as never
        case 'pin':
        case 'unpin':
          if (version === undefined) throw new FerryError('BAD_REQUEST', `${op} needs a version`)
          return cache.pin(name as string, version, op === 'pin') as never
        case 'clear':
          return cache.clear() as never
        case 'estimate':
          return cache.estimate() as never
        default:
          throw new FerryError('BAD_REQUEST', `unknown cache operation ${op}`)
      }
    },

    async close() {
      if (closed) return
      closed = true
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
      await stored()
    },
  }
}
