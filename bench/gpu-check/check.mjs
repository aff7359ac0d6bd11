// Runs under Deno on the device: Ferry's runtime (`@ferry/runtime` from the carried node_modules, engine
// in-thread as e2e/deno/ferry-on-deno.mjs uses it) against the real registry started by registry.mjs.
// The fallbacks are forced by wrapping the ort-web backend (the runtime's own test wrappers) and running
// it under `@ferry/runtime/engine`, as a host that embeds the engine would. Bundled by build.sh (the
// wrappers come in; @ferry/runtime and onnxruntime-web stay imports of the payload's node_modules).
// Args: <registryUrl> <workDir> <refs.json>. Prints progress to stderr, the report JSON to <workDir>/check.json.
import { createMemoryCache, createRuntime } from '@ferry/runtime'
import { createEngine, ortWeb } from '@ferry/runtime/engine'
import { failSessions, wrapSessions } from '../../packages/runtime/test/faults.ts'

const [registry, workDir, refsFile] = Deno.args
const T0 = performance.now()
const log = (m) =>
  console.error(
    `[${new Date().toISOString().slice(11, 23)} +${((performance.now() - T0) / 1000).toFixed(1)}s] ${m}`,
  )
const report = { deno: Deno.version, registry, steps: {} }
const save = () => Deno.writeTextFileSync(`${workDir}/check.json`, JSON.stringify(report, null, 1))
const withTimeout = (p, ms, what) =>
  Promise.race([p, new Promise((_, rej) => setTimeout(() => rej(new Error(`TIMEOUT ${ms}ms: ${what}`)), ms))])
const errStr = (e) => `${e?.code ? `${e.code}: ` : ''}${String(e?.message ?? e)}`.slice(0, 600)
const poisoned = new Set() // a runtime whose step timed out: its ORT may still be busy, skip its later steps
globalThis.addEventListener('unhandledrejection', (e) => {
  e.preventDefault()
  report.unhandled = [...(report.unhandled ?? []), errStr(e.reason)]
  log(`unhandled rejection: ${errStr(e.reason)}`)
  save()
})
globalThis.addEventListener('error', (e) => {
  e.preventDefault()
  report.unhandled = [...(report.unhandled ?? []), errStr(e.error ?? e.message)]
  log(`uncaught error: ${errStr(e.error ?? e.message)}`)
  save()
})
async function step(name, ms, fn, rt) {
  if (rt && poisoned.has(rt)) {
    report.steps[name] = { ok: false, skipped: `runtime '${rt}' had a timeout` }
    log(`${name}: skipped (runtime '${rt}' had a timeout)`)
    save()
    return report.steps[name]
  }
  log(`${name} ...`)
  const t = performance.now()
  try {
    const r = await withTimeout(fn(), ms, name)
    report.steps[name] = { ok: true, ms: Math.round(performance.now() - t), ...(r ?? {}) }
  } catch (e) {
    report.steps[name] = { ok: false, ms: Math.round(performance.now() - t), error: errStr(e) }
    if (rt && /^TIMEOUT/.test(String(e?.message))) poisoned.add(rt)
  }
  log(`${name}: ${JSON.stringify(report.steps[name]).slice(0, 400)}`)
  save()
  return report.steps[name]
}

// ---------- 1. Deno's WebGPU adapter, directly
const adapterInfo = (a) => {
  if (!a) return null
  const i = a.info ?? {}
  return {
    vendor: i.vendor,
    architecture: i.architecture,
    device: i.device,
    description: i.description,
    isFallbackAdapter: i.isFallbackAdapter ?? a.isFallbackAdapter,
    features: [...(a.features ?? [])].length,
    maxBufferSize: a.limits?.maxBufferSize,
    maxStorageBufferBindingSize: a.limits?.maxStorageBufferBindingSize,
  }
}
await step('gpu.adapter.default', 30000, async () => {
  if (!navigator.gpu) return { navigatorGpu: false }
  return { navigatorGpu: true, adapter: adapterInfo(await navigator.gpu.requestAdapter()) }
})
await step('gpu.adapter.highPerf', 30000, async () => {
  if (!navigator.gpu) return { navigatorGpu: false }
  const a = await navigator.gpu.requestAdapter({ powerPreference: 'high-performance' })
  const r = { adapter: adapterInfo(a) }
  if (a) {
    const d = await a.requestDevice()
    r.device = 'ok'
    d.destroy?.()
  }
  return r
})

// ---------- helpers
const refs = JSON.parse(Deno.readTextFileSync(refsFile))
const ARRAYS = { float32: Float32Array, int64: BigInt64Array, int32: Int32Array, uint8: Uint8Array }
const toTensor = (w) => ({
  data: w.dtype === 'int64' ? BigInt64Array.from(w.data, (x) => BigInt(x)) : ARRAYS[w.dtype].from(w.data),
  dims: w.dims,
})
const feedsOf = (inputs) => Object.fromEntries(Object.entries(inputs).map(([k, w]) => [k, toTensor(w)]))
/** max |a-e|, max |a-e|/max(1,|e|), dims check. */
function diff(actual, expected) {
  if (!actual) return { error: 'missing output' }
  const a = actual.data,
    e = expected.data
  const dimsA = Array.from(actual.dims ?? []),
    dimsE = Array.from(expected.dims ?? [])
  if (a.length !== e.length)
    return { error: `length ${a.length} vs ${e.length}`, dims: dimsA, expectedDims: dimsE }
  let maxAbs = 0,
    maxRel = 0,
    nan = 0
  for (let i = 0; i < a.length; i++) {
    const x = Number(a[i]),
      y = Number(e[i])
    if (Number.isNaN(x) !== Number.isNaN(y)) {
      nan++
      continue
    }
    const d = Math.abs(x - y)
    if (d > maxAbs) maxAbs = d
    const r = d / Math.max(1, Math.abs(y))
    if (r > maxRel) maxRel = r
  }
  return {
    maxAbs: Number(maxAbs.toExponential(3)),
    maxRel: Number(maxRel.toExponential(3)),
    n: a.length,
    nanMismatch: nan,
    dimsOk: dimsA.join(',') === dimsE.join(','),
  }
}
const p50 = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]
}
async function timeRuns(model, feeds, warm = 3, n = 20, budgetMs = 25000) {
  for (let i = 0; i < warm; i++) await model.run(feeds)
  const ts = []
  const start = performance.now()
  for (let i = 0; i < n && performance.now() - start < budgetMs; i++) {
    const t = performance.now()
    await model.run(feeds)
    ts.push(performance.now() - t)
  }
  return { p50: Number(p50(ts).toFixed(3)), min: Number(Math.min(...ts).toFixed(3)), runs: ts.length }
}

// ---------- 2. Ferry runtime, default backend order (WebGPU, then WASM)
const events = []
const mk = (extra) => createRuntime({ registry, telemetry: false, worker: false, ...extra })
const MODELS = (Deno.env.get('GPUCHECK_MODELS') ?? 'silero-vad,ocr-det,mlp,ocr-cls').split(',')
// ocr-cls runs last (after the timings): it was by far the slowest on llvmpipe, so a hang there costs nothing else
const TIMED_RUNS = Number(Deno.env.get('GPUCHECK_RUNS') ?? 20)
const gpuRt = mk({
  onEvent: (e) => {
    if (e.type === 'fallback' || e.type === 'load' || e.type === 'error') events.push(e)
  },
})
const wasmRt = mk({ backends: ['wasm'] })
report.capabilities = gpuRt.capabilities ?? null
const loaded = { gpu: {}, wasm: {} }
const outs = { gpu: {}, wasm: {} }
const mlpMeta = JSON.parse(Deno.readTextFileSync(`${workDir}/mlp.json`))
const mlpX = new Float32Array(Deno.readFileSync(`${workDir}/mlp_x.bin`).buffer)
const mlpFeeds = () => ({ x: { data: mlpX.slice(), dims: [mlpMeta.batch, mlpMeta.n] } })

const LATE = new Set(['ocr-cls'])
async function loadAndCheck(names) {
  for (const [rtName, rt] of [
    ['gpu', gpuRt],
    ['wasm', wasmRt],
  ]) {
    for (const name of names) {
      await step(
        `${rtName}.${name}`,
        name === 'mlp' ? 60000 : 30000,
        async () => {
          const t = performance.now()
          const m = await rt.load(name)
          const loadMs = Math.round(performance.now() - t)
          loaded[rtName][name] = m
          const r = { backend: m.backend, fallback: m.fallback, loadMs }
          if (name === 'mlp') {
            const t1 = performance.now()
            const out = await m.run(mlpFeeds())
            r.firstRunMs = Math.round(performance.now() - t1)
            outs[rtName].mlp = out.y
            r.dims = Array.from(out.y.dims)
            let s = 0
            for (const v of out.y.data) s += v
            r.checksum = Number(s.toFixed(4))
          } else {
            const ref = refs[name]
            const t1 = performance.now()
            const out = await m.run(feedsOf(ref.inputs))
            r.firstRunMs = Math.round(performance.now() - t1)
            r.diff = Object.fromEntries(Object.entries(ref.expected).map(([k, e]) => [k, diff(out[k], e)]))
            const tol = m.backend === 'webgpu' ? 2e-3 : 1e-4
            r.tol = tol
            r.match = Object.values(r.diff).every(
              (d) => d.maxRel !== undefined && d.maxRel <= tol && d.nanMismatch === 0 && d.dimsOk,
            )
          }
          return r
        },
        rtName,
      )
    }
  }
}
await loadAndCheck(MODELS.filter((n) => !LATE.has(n)))

// ---------- 3. MLP: webgpu output vs Ferry WASM output vs python onnxruntime (CPU) when present
await step('mlp.compare', 20000, async () => {
  const r = {}
  let py = null
  try {
    py = {
      data: new Float32Array(Deno.readFileSync(`${workDir}/mlp_y_py.bin`).buffer),
      dims: [mlpMeta.batch, mlpMeta.n],
    }
  } catch {}
  if (outs.gpu.mlp && outs.wasm.mlp) r.defaultVsFerryWasm = diff(outs.gpu.mlp, outs.wasm.mlp)
  if (py && outs.gpu.mlp) r.defaultVsPythonOrt = diff(outs.gpu.mlp, py)
  if (py && outs.wasm.mlp) r.ferryWasmVsPythonOrt = diff(outs.wasm.mlp, py)
  if (!py) r.pythonOrt = 'no mlp_y_py.bin (python onnxruntime unavailable?)'
  r.backendDefault = loaded.gpu.mlp?.backend ?? null
  return r
})

// ---------- 4. warm model.run p50: default (webgpu when it got it) vs wasm
const detIn = refs['ocr-det'].inputs
for (const name of ['mlp', 'ocr-det'].filter((n) => MODELS.includes(n))) {
  await step(`timing.${name}`, 60000, async () => {
    const feeds = name === 'mlp' ? mlpFeeds() : feedsOf(detIn)
    const r = {}
    for (const rtName of ['gpu', 'wasm']) {
      const m = loaded[rtName][name]
      if (!m || poisoned.has(rtName)) {
        r[rtName] = m ? 'skipped (timeout earlier)' : 'not loaded'
        continue
      }
      r[rtName] = { backend: m.backend, ...(await timeRuns(m, feeds, 3, TIMED_RUNS)) }
    }
    if (r.gpu?.p50 && r.wasm?.p50) r.wasmOverDefaultP50 = Number((r.wasm.p50 / r.gpu.p50).toFixed(2))
    return r
  })
}

await loadAndCheck(MODELS.filter((n) => LATE.has(n)))

// ---------- 5. the fallbacks, with the real driver: a session that fails on WebGPU, and a device
// destroyed after 2 runs (as if lost): every run still answers, and matches the reference. The ort-web
// backend is wrapped (as e2e/fixtures/fault-worker.ts does) and run by an engine of its own.
const loadOrt = (build) => (build === 'webgpu' ? import('onnxruntime-web/webgpu') : import('onnxruntime-web'))
/** navigator.gpu, keeping the device it hands to ort-web (to destroy it, as a real loss would). */
function gpuKeepingDevice() {
  const held = { device: undefined }
  const gpu = navigator.gpu && {
    async requestAdapter(o) {
      const a = await navigator.gpu.requestAdapter(o)
      if (!a) return null
      return {
        info: a.info,
        isFallbackAdapter: a.isFallbackAdapter,
        requestDevice: async () => {
          held.device = await a.requestDevice()
          return held.device
        },
      }
    },
  }
  return { gpu, held }
}
const faults = {
  'fallback.session-failed': (b) => failSessions(b, 'webgpu', 'forced by gpu-check'),
  'fallback.device-lost': (b, held) => {
    let gpuRuns = 0
    return wrapSessions(b, (s, device) => ({
      device: s.device,
      run(feeds, o) {
        if (device === 'webgpu' && ++gpuRuns > 2) held.device?.destroy()
        return s.run(feeds, o)
      },
      release: () => s.release(),
    }))
  },
}
const vad = refs['silero-vad']
for (const [name, wrap] of Object.entries(faults)) {
  if (!vad) break
  await step(name, 60000, async () => {
    const { gpu, held } = gpuKeepingDevice()
    // WebGPU named first: a software adapter (llvmpipe, where this is tried without a GPU) is taken too.
    const engine = createEngine({
      registry,
      devices: ['webgpu', 'wasm'],
      fetch,
      cache: createMemoryCache(),
      backends: [wrap(ortWeb({ load: loadOrt, gpu }), held)],
      emit: (es) => events.push(...es.filter((e) => e.type === 'fallback' || e.type === 'error')),
    })
    try {
      const m = await engine.load({ name: 'silero-vad' })
      const before = { backend: m.backend, fallback: m.fallback }
      let after = before
      const runs = []
      for (let i = 0; i < 5; i++) {
        const r = await engine.run(m.handle, feedsOf(vad.inputs))
        after = { backend: r.backend, fallback: r.fallback }
        const d = Object.values(
          Object.fromEntries(Object.entries(vad.expected).map(([k, e]) => [k, diff(r.outputs[k], e)])),
        )
        runs.push(Math.max(...d.map((x) => x.maxAbs ?? Number.POSITIVE_INFINITY)))
      }
      return { before, after, runsMaxAbs: runs, match: runs.every((x) => x <= 2e-3) }
    } finally {
      await engine.close()
    }
  })
}
report.fallbackEvents = events
  .filter((e) => e.type !== 'load')
  .map((e) => ({ type: e.type, model: e.model, reason: e.reason, code: e.code }))
await step('close', 15000, async () => {
  if (!poisoned.size) {
    await gpuRt.close()
    await wasmRt.close()
  }
})
report.totalMs = Math.round(performance.now() - T0)
save()
log('done')
Deno.exit(0)
