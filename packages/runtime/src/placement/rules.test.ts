// The placement rules without I/O: the device budget, which device failures move a model to the edge
// (and the reason they give), and the error when neither side can run it.
import { FerryError } from '@ferry/protocol'
import { describe, expect, it } from 'vitest'
import { deviceReason, firstDevice, neither, overBudget } from './rules.js'

const files = (size: number) => ({
  files: [{ path: 'model.onnx', role: 'model' as const, digest: 'sha256:x', size }],
})

describe('placement rules', () => {
  it('a model over the smaller of the session and cache budgets is over the device budget', () => {
    expect(overBudget(files(100), { sessions: 200, cache: 300 })).toBeNull()
    expect(overBudget(files(250), { sessions: 200, cache: 300 })).toBe(
      'over-device-budget: 250 bytes > the session budget of 200 bytes',
    )
    expect(overBudget(files(250), { sessions: 2e9, cache: 100 })).toMatch(/the cache budget of 100 bytes$/)
  })

  it('device failures move a model with a closed reason; the caller’s own errors never do', () => {
    const e = (code: ConstructorParameters<typeof FerryError>[0]) => new FerryError(code, 'why')
    expect(deviceReason(e('MODEL_TOO_LARGE'))).toBe('model-too-large: why')
    expect(deviceReason(e('NOT_CACHED_OFFLINE'))).toBe('offline-not-cached: why')
    expect(deviceReason(e('REGISTRY_UNREACHABLE'))).toBe('offline-not-cached: why')
    for (const code of [
      'BACKEND_UNAVAILABLE',
      'INFERENCE_FAILED',
      'WORKER_CRASHED',
      'INTEGRITY_MISMATCH',
    ] as const)
      expect(deviceReason(e(code))).toBe('device-unavailable: why')
    expect(deviceReason(new Error('no code'))).toBe('device-unavailable: no code')
    for (const code of [
      'SHAPE_MISMATCH',
      'INPUT_NAME',
      'ABORTED',
      'QUEUE_FULL',
      'MODEL_NOT_FOUND',
      'RUNTIME_CLOSED',
    ] as const)
      expect(deviceReason(e(code))).toBeNull()
  })

  it('neither side: the edge’s code, with the device’s reason in the message', () => {
    const down = new FerryError('EDGE_UNREACHABLE', 'Ferry Edge at http://e/ is unreachable: fetch failed')
    const err = neither('digits@2', 'over-device-budget: 9 bytes > the cache budget of 1 bytes', down)
    expect(err.code).toBe('EDGE_UNREACHABLE')
    expect(err.message).toBe(
      'Ferry Edge at http://e/ is unreachable: fetch failed; and the device cannot run digits@2: over-device-budget: 9 bytes > the cache budget of 1 bytes',
    )
    expect(neither('m@1', 'x', new FerryError('EDGE_MISMATCH', 'other files')).code).toBe('EDGE_MISMATCH')
    expect(neither('m@1', 'x', new Error('odd')).code).toBe('EDGE_UNREACHABLE')
  })

  it('the device a model would have tried first', () => {
    expect(firstDevice({}, ['wasm'])).toBe('wasm')
    expect(firstDevice({ runtime: { backends: ['webgpu', 'wasm'] } })).toBe('webgpu')
    expect(firstDevice({})).toBe('wasm')
  })
})
