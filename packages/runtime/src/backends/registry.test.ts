import { describe, expect, it } from 'vitest'
import { BackendRegistry, toRegistry } from './registry.js'
import type { Backend } from './types.js'

const fake = (name: string, devices: Backend['devices'], formats = ['onnx']): Backend => ({
  name,
  formats,
  devices,
  probe: async () => ({ ok: true }),
  createSession: async () => {
    throw new Error('unused')
  },
})
const web = fake('ort-web', ['webgpu', 'wasm'])
const native = fake('ort-node', ['cuda', 'cpu'])
const order = (r: BackendRegistry, ...a: Parameters<BackendRegistry['plan']>) =>
  r.plan(...a).candidates.map((c) => `${c.backend.name}/${c.device}${c.explicit ? '!' : ''}`)

describe('BackendRegistry.plan', () => {
  it('orders devices by backend priority, then each backend’s own order', () => {
    const r = new BackendRegistry().register(web, 1).register(native, 2)
    expect(order(r, { format: 'onnx' })).toEqual([
      'ort-node/cuda',
      'ort-node/cpu',
      'ort-web/webgpu',
      'ort-web/wasm',
    ])
    expect(order(toRegistry([web, native]), { format: 'onnx' })).toEqual([
      'ort-web/webgpu',
      'ort-web/wasm',
      'ort-node/cuda',
      'ort-node/cpu',
    ])
  })

  it('follows the manifest, the runtime option and the load option', () => {
    const r = toRegistry([web])
    expect(order(r, { format: 'onnx' })).toEqual(['ort-web/webgpu', 'ort-web/wasm'])
    expect(order(r, { format: 'onnx', runtime: { backends: ['wasm'] } })).toEqual(['ort-web/wasm'])
    expect(order(r, { format: 'onnx' }, ['wasm', 'webgpu'])).toEqual(['ort-web/wasm!', 'ort-web/webgpu!'])
    expect(order(r, { format: 'onnx' }, undefined, 'wasm')).toEqual(['ort-web/wasm!'])
    expect(
      order(r, { format: 'onnx', runtime: { backends: ['wasm', 'webgpu'] } }, undefined, 'webgpu'),
    ).toEqual(['ort-web/webgpu!', 'ort-web/wasm'])
    expect(r.plan({ format: 'onnx' }, ['wasm']).notRequested).toBe('webgpu')
    expect(r.plan({ format: 'onnx' }).notRequested).toBeNull()
  })

  it('says why nothing is left: no reader for the format, or no device', () => {
    const r = toRegistry([web])
    expect(() => r.plan({ format: 'tflite' })).toThrow(
      /no backend reads format "tflite" \(registered: ort-web \(onnx\)\)/,
    )
    expect(() => r.plan({ format: 'onnx', runtime: { backends: ['webgpu'] } }, ['wasm'])).toThrow(
      expect.objectContaining({
        code: 'BACKEND_UNAVAILABLE',
        message: expect.stringMatching(/no usable device/),
      }),
    )
  })

  it('refuses two backends with one name', () => {
    expect(() => new BackendRegistry().register(web).register(fake('ort-web', ['wasm']))).toThrow(
      /already registered/,
    )
  })
})
