import { describe, expect, it } from 'vitest'
import { buffersOf, CLONE_MAX_BYTES, copyInputs } from './wire.js'

describe('copyInputs', () => {
  it('copies just the bytes a view covers, in a buffer of its own', () => {
    const big = new Float32Array([9, 1, 2, 3, 9])
    const view = big.subarray(1, 4)
    const [out, buffers] = copyInputs({ x: { data: view, dims: [3] }, y: view })
    const x = out.x as { data: Float32Array; dims: number[] }
    expect([...x.data]).toEqual([1, 2, 3])
    expect(x.dims).toEqual([3])
    expect(x.data.buffer).not.toBe(big.buffer)
    expect(x.data.buffer.byteLength).toBe(12)
    expect(out.y).toBeInstanceOf(Float32Array)
    expect([...(out.y as Float32Array)]).toEqual([1, 2, 3])
    expect(buffersOf(out)).not.toContain(big.buffer)
    expect(buffersOf(out)).toHaveLength(2)
    expect(buffers).toEqual(buffersOf(out))
  })

  it('posts small arrays that span their own buffer as they are (a clone is cheaper than copy + transfer)', () => {
    const small = new Float32Array(8)
    const shared = new Float32Array(new SharedArrayBuffer(32))
    const large = new Float32Array(CLONE_MAX_BYTES / 4)
    const [out, buffers] = copyInputs({ small, t: { data: small, dims: [8] }, shared, large })
    expect(out.small).toBe(small)
    expect((out.t as { data: unknown }).data).toBe(small)
    expect(out.shared).not.toBe(shared) // a shared buffer is copied: the caller may write to it meanwhile
    expect((out.shared as Float32Array).buffer).toBeInstanceOf(ArrayBuffer)
    expect(out.large).not.toBe(large)
    expect(buffers).toHaveLength(2)
  })

  it('keeps the dtype of every typed array (BigInt64Array, Uint8Array)', () => {
    const [out] = copyInputs({ a: BigInt64Array.of(5n), b: { data: Uint8Array.of(1, 0), dims: [2] } })
    expect(out.a).toBeInstanceOf(BigInt64Array)
    expect((out.b as { data: unknown }).data).toBeInstanceOf(Uint8Array)
  })

  it('passes scalars, strings, plain arrays and DataViews through untouched', () => {
    const dv = new DataView(new ArrayBuffer(4))
    const strings = { data: ['a', 'b'], dims: [2] }
    const [out, buffers] = copyInputs({ n: 3, s: 'hi', strings, dv, b: true })
    expect(out).toEqual({ n: 3, s: 'hi', strings, dv, b: true })
    expect(out.strings).toBe(strings)
    expect(out.dv).toBe(dv)
    expect(buffers).toEqual([])
  })
})
