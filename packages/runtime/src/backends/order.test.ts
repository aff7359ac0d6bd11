import { describe, expect, it } from 'vitest'
import { backendOrder } from './order.js'

describe('backendOrder', () => {
  it('follows the manifest, the runtime option and the load option', () => {
    expect(backendOrder({})).toEqual(['webgpu', 'wasm'])
    expect(backendOrder({ runtime: { backends: ['wasm'] } })).toEqual(['wasm'])
    expect(backendOrder({}, ['wasm', 'webgpu'])).toEqual(['wasm', 'webgpu'])
    expect(backendOrder({}, undefined, 'wasm')).toEqual(['wasm'])
    expect(backendOrder({ runtime: { backends: ['wasm', 'webgpu'] } }, undefined, 'webgpu')).toEqual([
      'webgpu',
      'wasm',
    ])
    expect(() => backendOrder({ runtime: { backends: ['webgpu'] } }, ['wasm'])).toThrow(/no usable backend/)
  })
})
