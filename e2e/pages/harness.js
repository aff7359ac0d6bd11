// Test-page helpers for Ferry's e2e specs (plain script, no build): loads ferry.js from the URL given
// by `?ferry=` (default: this origin's /runtime/ferry.js), keeps runtimes and models by key, converts
// tensors to and from a JSON-safe wire form, captures errors as {code, message}, and counts frames.
;(() => {
  const params = new URLSearchParams(location.search)
  const ferrySrc = params.get('ferry') || new URL('/runtime/ferry.js', location.href).href

  const ready = new Promise((resolve, reject) => {
    const s = document.createElement('script')
    s.src = ferrySrc
    s.crossOrigin = 'anonymous'
    s.onload = () => (window.Ferry ? resolve(true) : reject(new Error(`${ferrySrc} defined no global Ferry`)))
    s.onerror = () => reject(new Error(`could not load ${ferrySrc}`))
    document.head.appendChild(s)
  })

  const ARRAYS = {
    float32: Float32Array,
    float64: Float64Array,
    int8: Int8Array,
    int16: Int16Array,
    int32: Int32Array,
    int64: BigInt64Array,
    uint8: Uint8Array,
    uint16: Uint16Array,
    uint32: Uint32Array,
    uint64: BigUint64Array,
    bool: Uint8Array,
    float16: typeof Float16Array === 'function' ? Float16Array : Uint16Array,
  }

  function toTensor(w) {
    const C = ARRAYS[w.dtype]
    if (!C) throw new Error(`harness: no typed array for ${w.dtype}`)
    const big = w.dtype === 'int64' || w.dtype === 'uint64'
    return { data: big ? C.from(w.data, (x) => BigInt(x)) : C.from(w.data), dims: w.dims }
  }

  function toWire(t) {
    const data = Array.from(t.data, (x) => (typeof x === 'bigint' ? x.toString() : Number(x)))
    return { dtype: t.dtype, dims: Array.from(t.dims), data }
  }

  function toFeeds(wires) {
    const feeds = {}
    for (const [k, w] of Object.entries(wires)) feeds[k] = toTensor(w)
    return feeds
  }

  function errorInfo(e) {
    return {
      code: e && typeof e === 'object' && 'code' in e ? e.code : null,
      message: String(e?.message ?? e),
      name: e?.name ?? null,
    }
  }

  function modelInfo(m) {
    return {
      name: m.name,
      version: m.version,
      backend: m.backend,
      inputs: m.inputs,
      outputs: m.outputs,
      fallback: m.fallback ? { from: m.fallback.from, reason: m.fallback.reason } : null,
      placement: m.placement,
      edge: m.edge ? { url: m.edge.url, backend: m.edge.backend } : null,
    }
  }

  const runtimes = new Map()
  const models = new Map()
  const events = new Map()

  function signalFor(ms) {
    if (ms === undefined || ms === null) return undefined
    const ac = new AbortController()
    if (ms <= 0) ac.abort()
    else setTimeout(() => ac.abort(), ms)
    return ac.signal
  }

  /** Creates a runtime under `key`; `options` is passed to Ferry.createRuntime as is. */
  function createRuntime(key, options) {
    const rt = window.Ferry.createRuntime(options)
    runtimes.set(key, rt)
    const seen = []
    events.set(key, seen)
    rt.on('event', (e) => seen.push(e))
    return true
  }

  /** Engine events runtime `key` has seen so far (load, inference, fallback, cache, error). */
  function eventsOf(key) {
    return events.get(key) ?? []
  }

  /** `ferry.sessions.list()` of runtime `key`. */
  function sessions(key) {
    return runtimes.get(key).sessions.list()
  }

  /** Model `key` as it is now (placement, backend, fallback, edge: they change as it moves). */
  function model(key) {
    const m = models.get(key)
    return m ? modelInfo(m) : null
  }

  /** Unloads model `key`; never throws. */
  async function unload(key) {
    try {
      await models.get(key)?.unload()
      models.delete(key)
      return { ok: true }
    } catch (e) {
      return { ok: false, error: errorInfo(e) }
    }
  }

  /** Loads `name` on runtime `rt` and keeps the model under `key`; never throws. */
  async function load(rt, key, name, opts = {}) {
    const progress = []
    const started = performance.now()
    try {
      const runtime = runtimes.get(rt)
      if (!runtime) throw new Error(`harness: no runtime "${rt}"`)
      const { abortAfterMs, ...rest } = opts
      const m = await runtime.load(name, {
        ...rest,
        signal: signalFor(abortAfterMs),
        onProgress: (p) => progress.push({ ...p }),
      })
      models.set(key, m)
      return { ok: true, model: modelInfo(m), progress, ms: performance.now() - started }
    } catch (e) {
      return { ok: false, error: errorInfo(e), progress, ms: performance.now() - started }
    }
  }

  /**
   * Runs model `key` on wire-form inputs (`model.infer`: `info` says where the call ran and its latency
   * split); never throws. `raw: true` passes `feeds` untouched.
   */
  async function run(key, feeds, opts = {}) {
    const started = performance.now()
    try {
      const m = models.get(key)
      if (!m) throw new Error(`harness: no model "${key}"`)
      const r = await m.infer(opts.raw ? feeds : toFeeds(feeds), { signal: signalFor(opts.abortAfterMs) })
      const outputs = {}
      for (const [k, t] of Object.entries(r.outputs)) outputs[k] = toWire(t)
      return {
        ok: true,
        outputs,
        info: { ...r.info },
        backend: m.backend,
        placement: m.placement,
        fallback: modelInfo(m).fallback,
        ms: performance.now() - started,
      }
    } catch (e) {
      return { ok: false, error: errorInfo(e), ms: performance.now() - started }
    }
  }

  /** Starts `count` runs at once (abortable each after `abortAfterMs[i]`); settles them all in call order. */
  async function runMany(key, feeds, count, opts = {}) {
    const calls = []
    for (let i = 0; i < count; i++) calls.push(run(key, feeds, { abortAfterMs: opts.abortAfterMs?.[i] }))
    return Promise.all(calls)
  }

  /**
   * Counts requestAnimationFrame callbacks until the returned function is called: frames, the longest
   * gap between two, and `blockedMs`, the time spent in gaps beyond 100 ms (a busy main thread).
   */
  function frameMeter() {
    let frames = 0
    let last = performance.now()
    let maxGap = 0
    let blocked = 0
    let on = true
    const started = last
    const tick = (t) => {
      if (!on) return
      frames++
      const gap = t - last
      maxGap = Math.max(maxGap, gap)
      blocked += Math.max(0, gap - 100)
      last = t
      requestAnimationFrame(tick)
    }
    requestAnimationFrame(tick)
    return () => {
      on = false
      return { frames, maxGapMs: maxGap, blockedMs: blocked, ms: performance.now() - started }
    }
  }

  window.harness = {
    ready,
    ferrySrc,
    createRuntime,
    events: eventsOf,
    sessions,
    unload,
    model,
    load,
    run,
    runMany,
    toTensor,
    toWire,
    toFeeds,
    errorInfo,
    frameMeter,
    runtimes,
    models,
  }
})()
