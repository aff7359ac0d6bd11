import { describe, expect, it } from 'vitest'
import { describeGpu, type GpuStatus, initialGpuStatus, observeGpu } from './webgpu-status.js'

const wasm = (reason: string | null, choice: 'auto' | 'webgpu' | 'wasm' = 'auto') => ({
  backend: 'wasm',
  fallback: reason === null ? null : { from: 'webgpu', reason },
  choice,
})
const onGpu = (choice: 'auto' | 'webgpu') => ({ backend: 'webgpu', fallback: null, choice })
const unknown: GpuStatus = { kind: 'unknown' }

describe('what the playground says about WebGPU', () => {
  it('starts from the API alone', () => {
    expect(initialGpuStatus(false).kind).toBe('no-api')
    expect(initialGpuStatus(true).kind).toBe('unknown')
    expect(describeGpu(unknown)).toMatch(/has the WebGPU API\. Whether it also has an adapter/)
  })

  it('tells no API, no adapter, a software adapter and a failed device apart by the reason', () => {
    expect(observeGpu(unknown, wasm('no-webgpu-api')).kind).toBe('no-api')
    expect(observeGpu(unknown, wasm('no-adapter')).kind).toBe('no-adapter')
    const soft = observeGpu(unknown, wasm('software-adapter: google swiftshader'))
    expect(soft).toEqual({ kind: 'software', adapter: 'google swiftshader' })
    expect(describeGpu(soft)).toMatch(/software one \(google swiftshader\).*Auto passes over it/)
    const dev = observeGpu(unknown, wasm('device-failed: out of memory'))
    expect(dev).toEqual({ kind: 'device-failed', detail: 'out of memory' })
    expect(describeGpu({ kind: 'no-adapter' })).toMatch(/WebGPU API but no adapter/)
  })

  it('a model on WebGPU under Auto means a GPU; asked for by name it keeps what Auto found', () => {
    expect(observeGpu(unknown, onGpu('auto')).kind).toBe('gpu')
    const soft: GpuStatus = { kind: 'software', adapter: 'llvmpipe' }
    expect(observeGpu(soft, onGpu('webgpu'))).toBe(soft)
    expect(observeGpu(unknown, onGpu('webgpu')).kind).toBe('webgpu-named')
  })

  it('reasons about one model or the choice change nothing', () => {
    const soft: GpuStatus = { kind: 'software', adapter: 'swiftshader' }
    for (const reason of ['not-requested', 'session-failed: x', 'run-failed: y', 'device-lost: z'])
      expect(observeGpu(soft, wasm(reason, 'webgpu'))).toBe(soft)
    expect(observeGpu(soft, wasm(null, 'wasm'))).toBe(soft)
  })
})
