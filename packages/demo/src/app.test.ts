// The playground's runtime switching, over scripted runtimes: every switch re-loads what was loaded,
// quick switches settle on one runtime, calls overtaken by a switch are retried or settle, and no
// handle is left behind on a runtime still open.
import type { TelemetryEvent } from '@ferry/protocol'
import { describe, expect, it } from 'vitest'
import { App } from './app.js'
import type { FerryModel, RuntimeHandle, RuntimeSettings } from './runtime.js'

const closedError = () => Object.assign(new Error('the runtime was closed'), { code: 'RUNTIME_CLOSED' })

/** A runtime whose loads and runs wait for `release()` while `held`; closing rejects what is pending. */
class ScriptedRuntime {
  closed = false
  held = false
  /** Handles loaded and not unloaded. */
  readonly live = new Set<FerryModel>()
  readonly failing = new Map<string, string>()
  readonly backend: string
  #waiting: { go(): void; fail(e: Error): void }[] = []

  constructor(
    readonly settings: RuntimeSettings,
    readonly onEvent: (e: TelemetryEvent) => void,
  ) {
    this.backend = settings.backend === 'webgpu' ? 'webgpu' : 'wasm'
  }

  release(): void {
    this.held = false
    for (const w of this.#waiting.splice(0)) w.go()
  }

  async #wait(): Promise<void> {
    if (this.closed) throw closedError()
    await new Promise<void>((go, fail) => {
      if (!this.held) return setTimeout(go, 0)
      this.#waiting.push({ go, fail })
    })
    if (this.closed) throw closedError()
  }

  handle(): RuntimeHandle {
    const estimate = async () => ({ used: 0, budget: 0 })
    return {
      load: async (name, version) => {
        await this.#wait()
        const code = this.failing.get(name)
        if (code) throw Object.assign(new Error(`${name} failed`), { code })
        // With an edge, `edge` and `auto` start on the edge (as a warm start does); else the device.
        const onEdge = this.settings.edge !== null && this.settings.placement !== 'device'
        const model = {
          name,
          version: typeof version === 'number' ? version : 2,
          placement: onEdge ? 'edge' : 'device',
          backend: onEdge ? 'edge' : this.backend,
          edge: this.settings.edge ? { url: this.settings.edge, backend: 'cpu' } : null,
          fallback:
            onEdge && this.settings.placement === 'auto' ? { from: 'wasm', reason: 'warm-start' } : null,
          inputs: [],
          outputs: [],
          manifest: { files: [{ size: 1000 }, { size: 24 }] },
          infer: async () => {
            await this.#wait()
            const outputs = { y: { data: new Float32Array([1]), dims: [1], dtype: 'float32' } }
            const split = { queueMs: 1, computeMs: 2, batch: 1 }
            const info =
              model.placement === 'edge'
                ? { placement: 'edge', backend: 'cpu', ...split, networkMs: 3 }
                : { placement: 'device', backend: model.backend, ...split }
            return { outputs, info }
          },
          unload: async () => {
            this.live.delete(model)
          },
        } as unknown as FerryModel
        this.live.add(model)
        return model
      },
      cache: {} as RuntimeHandle['cache'],
      telemetry: () => ({ sent: 1, queued: 0, dropped: 0 }),
      webgpuApi: true,
      close: async () => {
        this.closed = true
        for (const w of this.#waiting.splice(0)) w.fail(closedError())
      },
    } as RuntimeHandle & { cache: { estimate: typeof estimate } }
  }
}

function setup() {
  const opened: ScriptedRuntime[] = []
  /** Runtimes opened from now on hold their calls until released. */
  const hold = { next: false }
  const app = new App('http://registry.test/', (settings, onEvent) => {
    const rt = new ScriptedRuntime(settings, onEvent)
    rt.held = hold.next
    opened.push(rt)
    return rt.handle()
  })
  /** Handles still held on runtimes that are open. */
  const dangling = () => opened.filter((r) => !r.closed).flatMap((r) => [...r.live].map((m) => m.name))
  return { app, opened, dangling, hold }
}

const x = { x: { data: new Float32Array(1), dims: [1] } }

describe('the playground switching runtimes', () => {
  it('loads every model on the new runtime before the old one closes; runs go on meanwhile', async () => {
    const { app, opened, dangling, hold } = setup()
    await app.load('digits', 'stable')
    await app.load('ocr-det', 'latest')
    const [old] = opened
    hold.next = true
    const next = app.setBackend('wasm')
    const fresh = opened[1] as ScriptedRuntime
    expect(fresh.settings.backend).toBe('wasm')
    // While the new runtime loads, the old one still runs the models.
    const during = await app.run('digits', x)
    expect(old?.live.has(during.model.handle)).toBe(true)
    fresh.release()
    await next
    expect(old?.closed).toBe(true)
    expect([...app.models.keys()].sort()).toEqual(['digits', 'ocr-det'])
    expect(app.models.get('digits')?.version).toBe(2)
    expect(dangling().sort()).toEqual(['digits', 'ocr-det'])
    expect(app.telemetry().sent).toBe(2) // the closed runtime's count and the live one's
  })

  it('quick switches settle on the last choice, close the runtimes they passed, and lose no model', async () => {
    const { app, opened, dangling, hold } = setup()
    await app.load('digits', 'stable')
    await app.load('ocr-det', 'latest')
    hold.next = true
    const switches = (['webgpu', 'wasm', 'webgpu'] as const).map((b) => app.setBackend(b))
    await new Promise((r) => setTimeout(r, 10))
    for (const r of opened) r.release()
    await Promise.all(switches)
    const live = opened.filter((r) => !r.closed)
    expect(live).toHaveLength(1)
    expect(live[0]?.settings.backend).toBe('webgpu')
    expect([...app.models.values()].map((m) => `${m.name}@${m.backend}`).sort()).toEqual([
      'digits@webgpu',
      'ocr-det@webgpu',
    ])
    expect(dangling().sort()).toEqual(['digits', 'ocr-det'])
  })

  it('a run overtaken by a switch settles with RUNTIME_CLOSED on the old runtime and runs on the new one', async () => {
    const { app, opened } = setup()
    await app.load('digits', 'stable')
    const old = opened[0] as ScriptedRuntime
    old.held = true
    const starts: string[] = []
    const run = app.run('digits', x, (m) => starts.push(m.backend))
    await app.setBackend('webgpu') // the old runtime closes with the run still waiting on it
    const r = await run
    expect(r.model.backend).toBe('webgpu')
    expect(starts).toEqual(['wasm', 'webgpu'])
  })

  it('a load overtaken by a switch resolves with the model the new runtime loaded, and nothing dangles', async () => {
    const { app, opened, dangling } = setup()
    await app.load('digits', 'stable')
    const first = opened[0] as ScriptedRuntime
    first.held = true
    const ocr = app.load('ocr-det', 'latest') // waits on the first runtime
    const switched = app.setBackend('wasm')
    await switched
    const m = await ocr
    expect(m.handle).toBe(app.models.get('ocr-det')?.handle)
    expect(first.closed).toBe(true)
    expect(dangling().sort()).toEqual(['digits', 'ocr-det'])
  })

  it('a load started during a switch goes to the new runtime', async () => {
    const { app, opened, dangling } = setup()
    await app.load('digits', 'stable')
    const switched = app.setBackend('webgpu')
    const ocr = app.load('ocr-det', 'latest')
    await Promise.all([switched, ocr])
    expect(opened).toHaveLength(2)
    expect(app.models.get('ocr-det')?.backend).toBe('webgpu')
    expect(dangling().sort()).toEqual(['digits', 'ocr-det'])
  })

  it('a model that fails on the new runtime stays wanted with its error; the next switch loads it', async () => {
    const { app, opened } = setup()
    const errors: string[] = []
    app.on('loadError', (e) => errors.push(`${e.name}: ${e.code}`))
    await app.load('digits', 'stable')
    await app.load('ocr-det', 'latest')
    const switched = app.setBackend('wasm')
    ;(opened[1] as ScriptedRuntime).failing.set('ocr-det', 'NOT_CACHED_OFFLINE')
    await switched
    expect([...app.models.keys()]).toEqual(['digits'])
    expect(errors).toEqual(['ocr-det: NOT_CACHED_OFFLINE'])
    expect(app.loadErrors.get('ocr-det')?.code).toBe('NOT_CACHED_OFFLINE')
    expect(app.wanted.get('ocr-det')).toBe(2)
    await app.setBackend('auto')
    expect([...app.models.keys()].sort()).toEqual(['digits', 'ocr-det'])
    expect(app.loadErrors.size).toBe(0)
  })

  it('unloading during a switch leaves the model on neither runtime', async () => {
    const { app, dangling } = setup()
    await app.load('digits', 'stable')
    await app.load('ocr-det', 'latest')
    const switched = app.setBackend('wasm') // its loads are under way
    const gone = app.unload('ocr-det')
    await Promise.all([switched, gone])
    expect([...app.models.keys()]).toEqual(['digits'])
    expect(dangling()).toEqual(['digits'])
  })

  it('with an edge: each run says where it ran; a move to the device shows; a placement switch reloads', async () => {
    const { app, opened } = setup()
    app.edge = 'http://edge.test/'
    const m = await app.load('ocr-det', 'latest')
    expect(opened[0]?.settings).toMatchObject({ edge: 'http://edge.test/', placement: 'auto' })
    expect([m.placement, m.edgeBackend, m.source, m.bytes, m.fallback?.reason]).toEqual([
      'edge',
      'cpu',
      'edge',
      1024,
      'warm-start',
    ])
    const runs: string[] = []
    app.on('run', (r) => runs.push(`${r.placement}/${r.backend}: ${r.networkMs + r.queueMs + r.computeMs}`))
    await app.run('ocr-det', x)
    // The warm start's device load is ready: the runtime moves the model and says so with a fallback event.
    const handle = m.handle as unknown as { placement: string; backend: string; fallback: unknown }
    Object.assign(handle, { placement: 'device', backend: 'wasm', fallback: null })
    const shown: string[] = []
    app.on('models', () => shown.push(`${m.placement}/${m.backend}`))
    opened[0]?.onEvent({
      type: 'fallback',
      model: 'ocr-det',
      version: 2,
      from: 'cpu',
      to: 'wasm',
      placement: 'device',
      reason: 'device-ready',
      ts: Date.now(),
    })
    expect(shown).toEqual(['device/wasm'])
    await app.run('ocr-det', x)
    expect(runs).toEqual(['edge/cpu: 6', 'device/wasm: 3'])
    await app.setPlacement('edge')
    expect(opened[1]?.settings.placement).toBe('edge')
    expect(opened[0]?.closed).toBe(true)
    expect(app.models.get('ocr-det')?.placement).toBe('edge')
  })

  it('re-loading a model replaces its handle instead of keeping two', async () => {
    const { app, dangling } = setup()
    await app.load('digits', 'stable')
    await app.load('digits', 'stable')
    await Promise.all([app.load('digits', 2), app.load('digits', 2)])
    expect(dangling()).toEqual(['digits'])
  })
})
