// Ferry's runtime as a Deno program uses it (run by e2e/specs/runtime-deno.spec.ts): `@ferry/runtime`
// resolved from node_modules, the engine in-thread, models from a registry, bytes in Deno's Cache API.
// Argument: a JSON job { registry, backends?, loads: [{ name, version?, inputs? }] } with inputs in the
// e2e "wire" form (tests/fixtures/tensors.ts). Prints one JSON object: a result per load.
import { createRuntime } from '@ferry/runtime'

const ARRAYS = {
  float32: Float32Array,
  float64: Float64Array,
  int32: Int32Array,
  int64: BigInt64Array,
  uint8: Uint8Array,
  bool: Uint8Array,
}
const toTensor = (w) => {
  const C = ARRAYS[w.dtype]
  return { data: w.dtype === 'int64' ? C.from(w.data, (x) => BigInt(x)) : C.from(w.data), dims: w.dims }
}
const toWire = (t) => ({
  dtype: t.dtype,
  dims: Array.from(t.dims),
  data: Array.from(t.data, (x) => (typeof x === 'bigint' ? x.toString() : Number(x))),
})

const job = JSON.parse(Deno.args[0])
const ferry = createRuntime({
  registry: job.registry,
  telemetry: false,
  ...(job.backends ? { backends: job.backends } : {}),
})
const sources = new Map()
ferry.on('event', (e) => {
  if (e.type === 'load') sources.set(e.model, e.source)
})
const results = []
for (const l of job.loads) {
  try {
    const m = await ferry.load(l.name, l.version === undefined ? {} : { version: l.version })
    const r = { ok: true, version: m.version, backend: m.backend, fallback: m.fallback }
    r.source = sources.get(l.name) ?? null
    if (l.inputs) {
      const feeds = Object.fromEntries(Object.entries(l.inputs).map(([k, w]) => [k, toTensor(w)]))
      const out = await m.run(feeds)
      r.outputs = Object.fromEntries(Object.entries(out).map(([k, t]) => [k, toWire(t)]))
    }
    results.push(r)
  } catch (e) {
    results.push({ ok: false, error: { code: e?.code ?? null, message: String(e?.message ?? e) } })
  }
}
const cached = (await ferry.cache.list()).map((e) => `${e.name}@${e.version}`)
await ferry.close()
console.log(
  JSON.stringify({ deno: Deno.version.deno, env: ferry.capabilities?.env ?? null, cached, results }),
)
