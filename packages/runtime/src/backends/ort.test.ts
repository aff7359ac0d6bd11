import { describe, expect, it } from 'vitest'
import { OrtHost, type OrtModule } from './ort.js'

describe('OrtHost', () => {
  it('creates sessions one at a time, across hosts, and survives a failed creation', async () => {
    let active = 0
    let most = 0
    const order: string[] = []
    const fake = {
      env: { wasm: {}, webgpu: {} },
      InferenceSession: {
        async create(_: Uint8Array, o: { executionProviders: string[] }) {
          active++
          most = Math.max(most, active)
          await new Promise((r) => setTimeout(r, 5))
          active--
          order.push(o.executionProviders[0] as string)
          if (o.executionProviders[0] === 'webgpu') throw new Error('no gpu')
          return {}
        },
      },
    } as unknown as OrtModule
    const settings = { crossOriginIsolated: false, hardwareConcurrency: 8 }
    const a = new OrtHost(async () => fake, settings)
    const b = new OrtHost(async () => fake, settings)
    const ort = await a.module('wasm')
    expect((ort.env.wasm as { numThreads?: number }).numThreads).toBe(1)
    const r = await Promise.allSettled([
      a.createSession(ort, new Uint8Array(), 'wasm', []),
      b.createSession(ort, new Uint8Array(), 'webgpu', []),
      a.createSession(ort, new Uint8Array(), 'wasm', []),
    ])
    expect(r.map((x) => x.status)).toEqual(['fulfilled', 'rejected', 'fulfilled'])
    expect(order).toEqual(['wasm', 'webgpu', 'wasm'])
    expect(most).toBe(1)
  })

  it('a module that fails to load is BACKEND_UNAVAILABLE and is tried again on the next call', async () => {
    const fake = { env: { wasm: {} }, InferenceSession: {} } as unknown as OrtModule
    const asked: string[] = []
    const host = new OrtHost(
      async (flavor) => {
        asked.push(flavor)
        if (asked.length === 1) throw new TypeError('Failed to fetch dynamically imported module')
        return fake
      },
      { crossOriginIsolated: false, hardwareConcurrency: 2 },
    )
    await expect(host.module('webgpu')).rejects.toMatchObject({
      code: 'BACKEND_UNAVAILABLE',
      message: expect.stringContaining('could not load ONNX Runtime (webgpu build)'),
    })
    expect(await host.module('wasm')).toBe(fake)
    expect(await host.module('wasm')).toBe(fake)
    expect(asked).toEqual(['webgpu', 'wasm'])
  })
})
