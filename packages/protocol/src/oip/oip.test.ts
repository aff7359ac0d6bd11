// The OIP codec both Ferry Edge and the runtime's edge client use: bodies split and joined, tensors to
// binary and JSON and back, each dtype in the typed array the device path gives.
import { describe, expect, it } from 'vitest'
import { fromBytes, fromValues, joinBody, type OipTensor, splitBody, toBytes, toJsonData } from './index.js'

describe('OIP bodies and tensors', () => {
  it('joins a JSON header and binary tensors, and splits them back', () => {
    const x = Float32Array.of(1.5, -2, Number.NaN)
    const { body, headerLength } = joinBody('{"a":1}', [new Uint8Array(x.buffer), Uint8Array.of(7)])
    const { json, binary } = splitBody(body, String(headerLength))
    expect(json).toEqual({ a: 1 })
    expect(binary?.byteLength).toBe(13)
    expect(fromBytes('x', 'float32', [3], binary?.subarray(0, 12) as Uint8Array).data).toEqual(x)
  })

  it('round-trips every dtype through binary and JSON in the arrays the device path uses', () => {
    const cases: OipTensor[] = [
      { dtype: 'int64', dims: [2], data: BigInt64Array.of(-(2n ** 62n), 16000n) },
      { dtype: 'uint64', dims: [1], data: BigUint64Array.of(2n ** 53n - 1n) },
      { dtype: 'float16', dims: [2], data: Uint16Array.of(0x3c00, 0xc000) },
      { dtype: 'bool', dims: [3], data: Uint8Array.of(1, 0, 1) },
      { dtype: 'int32', dims: [1, 2], data: Int32Array.of(-7, 9) },
      { dtype: 'string', dims: [2], data: ['é', ''] },
    ]
    for (const t of cases) {
      const back = fromBytes('t', t.dtype, t.dims, toBytes(t), 'output')
      expect(back.data.constructor).toBe(t.data.constructor)
      expect(back.data).toEqual(t.data)
      // JSON has no FP16 (it travels as binary), and JSON.parse rounds integers past 2^53: the runtime
      // asks for binary answers.
      if (t.dtype === 'float16' || t.dtype === 'int64') continue
      const json = fromValues('t', t.dtype, t.dims, JSON.parse(toJsonData(t)), 'output')
      expect(json.data).toEqual(t.data)
    }
  })

  it('names the tensor and its side in errors', () => {
    expect(() => fromBytes('probs', 'float32', [10], new Uint8Array(8), 'output')).toThrow(
      /^output "probs": 8 bytes of binary data, but shape \[10\] of FP32 needs 40$/,
    )
    expect(() => splitBody(new Uint8Array(3), '9', 'the answer')).toThrow(/byte count/)
    expect(() => splitBody(new TextEncoder().encode('{x'), '2', 'the answer')).toThrow(
      /^the answer's first 2/,
    )
  })
})
