// Issue 3: the same page and the same real models on WebGPU (SwiftShader) and without it (WASM, with
// the fallback's reason); outputs equal onnxruntime-node's on the same inputs.
import { catalog, compareTensors, expect, maxError, referenceRun, test } from '../fixtures/index.js'

const tolerance = { wasm: 1e-4, webgpu: 2e-3 } as const

for (const key of ['sileroVad', 'ocrCls', 'ocrDet'] as const) {
  const m = catalog[key]
  test(`${m.name}: loads on the project's backend and matches onnxruntime-node`, async ({
    runtimePage,
    published,
    backend,
  }, info) => {
    const model = await runtimePage.mustLoad(m.name)
    expect(model.name).toBe(m.name)
    expect(model.version).toBe(published[key].version)
    expect(model.inputs).toEqual(published[key].manifest.inputs)
    expect(model.outputs).toEqual(published[key].manifest.outputs)
    expect(model.backend).toBe(backend)
    if (backend === 'webgpu') expect(model.fallback).toBeNull()
    else expect(model.fallback).toEqual({ from: 'webgpu', reason: 'no-adapter' })

    for (const seed of [11, 12]) {
      const feeds = m.inputs(seed)
      const [got, want] = await Promise.all([runtimePage.mustRun(m.name, feeds), referenceRun(m.file, feeds)])
      info.annotations.push({
        type: 'max error',
        description: `${m.name} seed ${seed}: ${maxError(got, want)}`,
      })
      expect(compareTensors(got, want, tolerance[backend])).toBeNull()
    }
    if (key !== 'sileroVad') return
    // Streaming VAD: each call's LSTM state (hn, cn) is the next call's h, c; `sr` stays an int64 scalar.
    let state = await referenceRun(m.file, m.inputs(12))
    for (let i = 0; i < 2; i++) {
      const feeds = { ...m.inputs(21 + i), h: state.hn!, c: state.cn! }
      const [got, want] = await Promise.all([runtimePage.mustRun(m.name, feeds), referenceRun(m.file, feeds)])
      expect(compareTensors(got, want, tolerance[backend])).toBeNull()
      state = want
    }
  })
}
