import { describe, expect, it } from 'vitest'
import { splitOf, whereIs, whereRan } from './run-info.js'

describe('whereRan, whereIs and splitOf', () => {
  it('say where a call ran and split its time: device, edge with the server’s timing, edge without', () => {
    const device = { placement: 'device', backend: 'wasm', queueMs: 0.1, computeMs: 2.345, batch: 1 } as const
    expect(whereRan(device)).toBe('wasm')
    expect(splitOf(device)).toBe('queue 0.10 ms, compute 2.35 ms')
    const edge = { placement: 'edge', backend: 'cpu', queueMs: 0.05, computeMs: 12, batch: 1 } as const
    expect(whereRan(edge)).toBe('the edge (cpu)')
    expect(splitOf({ ...edge, networkMs: 31.26 })).toBe('network 31.3 ms, queue 0.05 ms, compute 12.0 ms')
    expect(splitOf({ ...edge, computeMs: 1500 })).toBe('1.50 s in all')
    expect(whereIs({ placement: 'edge', backend: 'edge', edgeBackend: 'cuda' })).toBe('the edge (cuda)')
    expect(whereIs({ placement: 'device', backend: 'webgpu', edgeBackend: 'cpu' })).toBe('webgpu')
  })
})
