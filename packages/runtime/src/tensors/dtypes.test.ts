import { describe, expect, it } from 'vitest'
import { scalarData } from './dtypes.js'

describe('scalarData', () => {
  it('wraps a scalar in its dtype array class', () => {
    expect(scalarData(1.5, 'float32')).toEqual(Float32Array.of(1.5))
    expect(scalarData(1.5, 'float64')).toEqual(Float64Array.of(1.5))
    expect(scalarData(-3, 'int8')).toEqual(Int8Array.of(-3))
    expect(scalarData(7, 'uint16')).toEqual(Uint16Array.of(7))
    expect(scalarData(16000, 'int64')).toEqual(BigInt64Array.of(16000n))
    expect(scalarData(5n, 'uint64')).toEqual(BigUint64Array.of(5n))
    expect(scalarData(true, 'bool')).toEqual(Uint8Array.of(1))
    expect(scalarData('hi', 'string')).toEqual(['hi'])
  })
  it('refuses what does not fit', () => {
    expect(scalarData(1.5, 'int32')).toBeNull()
    expect(scalarData('1', 'float32')).toBeNull()
    expect(scalarData(1, 'bool')).toBeNull()
    expect(scalarData(1.5, 'int64')).toBeNull()
    expect(scalarData(1, 'float16')).toBeNull()
  })
})
