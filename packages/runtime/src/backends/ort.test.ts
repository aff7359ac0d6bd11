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
})
