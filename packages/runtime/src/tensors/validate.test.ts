import type { TensorSpec } from '@ferry/protocol'
import { describe, expect, it } from 'vitest'
import { validateInputs } from './validate.js'

const specs: TensorSpec[] = [
  { name: 'x', dtype: 'float32', shape: ['batch', 4] },
  { name: 'sr', dtype: 'int64', shape: [] },
  { name: 'h', dtype: 'float32', shape: [2, 'batch', 3] },
]
const ok = () => ({
  x: { data: new Float32Array(8), dims: [2, 4] },
  sr: 16000n,
  h: { data: new Float32Array(12), dims: [2, 2, 3] },
})

function codeOf(f: () => unknown): string {
  try {
    f()
  } catch (e) {
    return `${(e as { code: string }).code}: ${(e as Error).message}`
  }
  return 'ok'
}

describe('validateInputs', () => {
  it('accepts good inputs, scalars and bare arrays whose dims follow from the manifest', () => {
    const t = validateInputs(specs, ok())
    expect(t.sr).toEqual({ data: BigInt64Array.of(16000n), dims: [], dtype: 'int64' })
    const bare = validateInputs([{ name: 'x', dtype: 'float32', shape: ['batch', 4] }], {
      x: new Float32Array(8),
    })
    expect(bare.x?.dims).toEqual([2, 4])
    const fixed = validateInputs([{ name: 'b', dtype: 'bool', shape: [3] }], { b: Uint8Array.of(1, 0, 1) })
    expect(fixed.b?.dims).toEqual([3])
  })

  it('names the input and what was expected in each coded error', () => {
    expect(codeOf(() => validateInputs(specs, { ...ok(), y: new Float32Array(1) }))).toMatch(
      /^INPUT_NAME: .*"y"/,
    )
    const { sr: _, ...noSr } = ok()
    expect(codeOf(() => validateInputs(specs, noSr))).toMatch(/^INPUT_MISSING: .*"sr"/)
    expect(codeOf(() => validateInputs(specs, { ...ok(), sr: BigInt64Array.of(1n) }))).toBe('ok')
    expect(codeOf(() => validateInputs(specs, { ...ok(), sr: Int32Array.of(1) }))).toMatch(
      /^DTYPE_MISMATCH: input "sr" expects int64 \(BigInt64Array\), got Int32Array/,
    )
    expect(codeOf(() => validateInputs(specs, { ...ok(), sr: 1.5 }))).toMatch(/^DTYPE_MISMATCH/)
    expect(
      codeOf(() => validateInputs(specs, { ...ok(), x: { data: new Float32Array(8), dims: [8] } })),
    ).toMatch(/^SHAPE_MISMATCH: input "x" has rank 1/)
    expect(
      codeOf(() => validateInputs(specs, { ...ok(), x: { data: new Float32Array(8), dims: [4, 2] } })),
    ).toMatch(/^SHAPE_MISMATCH: input "x" has dim 1 = 2, expected 4/)
    expect(
      codeOf(() => validateInputs(specs, { ...ok(), x: { data: new Float32Array(7), dims: [2, 4] } })),
    ).toMatch(/^SHAPE_MISMATCH: input "x" has 7 elements/)
    expect(
      codeOf(() => validateInputs(specs, { ...ok(), h: { data: new Float32Array(18), dims: [2, 3, 3] } })),
    ).toMatch(/^SHAPE_MISMATCH: input "h" has "batch" = 3 but input "x" has "batch" = 2/)
    expect(codeOf(() => validateInputs(specs, { ...ok(), h: new Float32Array(13) }))).toMatch(
      /^SHAPE_MISMATCH/,
    )
  })

  it('takes 4-bit inputs packed two per byte in a Uint8Array, as ONNX Runtime does', () => {
    const q: TensorSpec[] = [{ name: 'q', dtype: 'int4', shape: ['n'] }]
    // 5 elements: 3 bytes (the last high nibble unused).
    expect(validateInputs(q, { q: { data: new Uint8Array(3), dims: [5] } }).q?.dims).toEqual([5])
    expect(codeOf(() => validateInputs(q, { q: { data: new Uint8Array(5), dims: [5] } }))).toMatch(
      /^SHAPE_MISMATCH: input "q" has 5 bytes but dims \[5\] hold 5 int4 elements, packed two per byte in 3/,
    )
    expect(codeOf(() => validateInputs(q, { q: { data: new Int8Array(3), dims: [5] } }))).toMatch(
      /^DTYPE_MISMATCH: input "q" expects int4 \(Uint8Array\), got Int8Array/,
    )
    // A bare array cannot tell 5 packed elements from 6: dims are needed, unless the shape is static.
    expect(codeOf(() => validateInputs(q, { q: new Uint8Array(3) }))).toMatch(/^SHAPE_MISMATCH: .*packed/)
    const u = validateInputs([{ name: 'u', dtype: 'uint4', shape: [2, 3] }], { u: new Uint8Array(3) })
    expect(u.u?.dims).toEqual([2, 3])
  })
})

describe('unnamed open dims', () => {
  it("'?' dims (open and unnamed in the graph, as ferry publish writes them) need not agree", () => {
    const t = validateInputs([{ name: 'input', dtype: 'float32', shape: ['?', '?'] }], {
      input: { data: new Float32Array(512), dims: [1, 512] },
    })
    expect(t.input?.dims).toEqual([1, 512])
  })
})
