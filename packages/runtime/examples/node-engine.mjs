// Embeds Ferry's engine in a Node program, as a server does: onnxruntime-node first (cuda where offered,
// else cpu), onnxruntime-web's WASM as the last resort, model bytes kept on disk.
//
//   node packages/runtime/examples/node-engine.mjs <registry URL> <model> [version] [cache dir]
//
// Loads the model from the registry (verified by digest), runs it once on zeros of its input shapes
// (symbolic dims taken as 1), and prints the device it ran on and each output's dims.
import { createEngine, createFsDriver, createModelCache } from '@ferry/runtime/engine'
import { nodeBackends } from '@ferry/runtime/node'

const [registry, name, version, dir = '.ferry/engine-cache'] = process.argv.slice(2)
if (!registry || !name) {
  console.error('usage: node-engine.mjs <registry URL> <model> [version] [cache dir]')
  process.exit(2)
}

const engine = createEngine({
  registry,
  fetch,
  cache: createModelCache({ driver: createFsDriver({ dir }) }),
  backends: await nodeBackends(),
  emit: (events) => {
    for (const e of events)
      if (e.type === 'fallback') console.error(`fallback: ${e.from} → ${e.to}: ${e.reason}`)
  },
})

const ARRAYS = {
  float32: Float32Array,
  int64: BigInt64Array,
  int32: Int32Array,
  uint8: Uint8Array,
  bool: Uint8Array,
}
try {
  const model = await engine.load({ name, ...(version ? { version } : {}) })
  const inputs = {}
  for (const spec of model.manifest.inputs) {
    const dims = spec.shape.map((d) => (typeof d === 'number' ? d : 1))
    const Ctor = ARRAYS[spec.dtype] ?? Float32Array
    inputs[spec.name] = { data: new Ctor(dims.reduce((n, d) => n * d, 1)), dims }
  }
  const { outputs, backend } = await engine.run(model.handle, inputs)
  const shapes = Object.fromEntries(Object.entries(outputs).map(([k, t]) => [k, t.dims]))
  console.log(
    JSON.stringify({ model: `${model.manifest.name}@${model.manifest.version}`, backend, outputs: shapes }),
  )
} catch (err) {
  console.error(`${err.code ?? 'ERROR'}: ${err.message}`)
  process.exitCode = 1
} finally {
  await engine.close()
}
