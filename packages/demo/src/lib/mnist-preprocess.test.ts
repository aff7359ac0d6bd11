import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import * as ort from 'onnxruntime-node'
import { describe, expect, it } from 'vitest'
import { inkBounds, resampleArea, toMnist, topK } from './mnist-preprocess.js'

const demo = (p: string) => fileURLToPath(new URL(`../../${p}`, import.meta.url))

/** Nearest-neighbour upscale of a 28x28 image, as the page paints a sample on its canvas. */
function upscale(pixels: number[], factor: number): Float32Array {
  const size = 28 * factor
  const out = new Float32Array(size * size)
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++)
      out[y * size + x] = (pixels[Math.floor(y / factor) * 28 + Math.floor(x / factor)] ?? 0) / 255
  return out
}

describe('toMnist', () => {
  it('returns null for an empty drawing', () => {
    expect(toMnist(new Float32Array(100 * 100), 100, 100)).toBeNull()
  })

  it('fits the ink into a 20 px box centred by mass', () => {
    const w = 200
    const img = new Float32Array(w * w)
    // A 40x100 bar in the top-left corner.
    for (let y = 10; y < 110; y++) for (let x = 5; x < 45; x++) img[y * w + x] = 1
    const out = toMnist(img, w, w)!
    const box = inkBounds(out, 28, 28)!
    expect(box.h).toBe(20)
    expect(box.w).toBe(8)
    expect(box.y).toBe(4)
    expect(box.x).toBe(10)
  })

  it('keeps the mass when box-averaging', () => {
    const src = new Float32Array(9 * 9).fill(0.5)
    const out = resampleArea(src, 9, 0, 0, 9, 9, 4, 4)
    for (const v of out) expect(v).toBeCloseTo(0.5, 5)
  })

  it('ranks values', () => {
    expect(topK([0.1, 0.7, 0.2], 2)).toEqual([1, 2])
  })

  it('keeps held-out digits recognisable through the canvas path (digits.onnx)', async () => {
    const { samples } = JSON.parse(readFileSync(demo('public/samples/digits.json'), 'utf8')) as {
      samples: { label: number; pixels: number[] }[]
    }
    const session = await ort.InferenceSession.create(demo('models/digits.onnx'))
    let right = 0
    for (const s of samples) {
      const x = toMnist(upscale(s.pixels, 10), 280, 280)!
      const out = await session.run({ x: new ort.Tensor('float32', x, [1, 784]) })
      if (topK(out.probs!.data as Float32Array, 1)[0] === s.label) right++
    }
    expect(right).toBeGreaterThanOrEqual(samples.length - 1)
  })
})
