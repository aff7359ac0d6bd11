import { describe, expect, it } from 'vitest'
import { boxesFromMap, detSize, toDetInput } from './ocr-det.js'

describe('ocr det helpers', () => {
  it('sizes to multiples of 32 under the limit', () => {
    expect(detSize(640, 480)).toEqual({ w: 640, h: 480 })
    expect(detSize(1920, 1000)).toEqual({ w: 960, h: 512 })
    expect(detSize(10, 10)).toEqual({ w: 32, h: 32 })
  })

  it('normalises to BGR planes', () => {
    const rgba = new Uint8ClampedArray([255, 0, 0, 255])
    const x = toDetInput(rgba, 1, 1)
    expect(x[0]).toBeCloseTo((0 - 0.485) / 0.229, 5) // B
    expect(x[2]).toBeCloseTo((1 - 0.406) / 0.225, 5) // R
  })

  it('finds separate regions, drops weak ones, and unclips', () => {
    const w = 40
    const h = 20
    const map = new Float32Array(w * h)
    const fill = (x0: number, y0: number, x1: number, y1: number, v: number) => {
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) map[y * w + x] = v
    }
    fill(5, 3, 15, 7, 0.9) // 10x4 strong
    fill(20, 10, 30, 14, 0.4) // weak: above thresh, below boxThresh
    fill(2, 12, 14, 18, 0.8)
    const boxes = boxesFromMap(map, w, h)
    expect(boxes).toHaveLength(2)
    const d = (10 * 4 * 1.5) / (2 * 14)
    expect(boxes[0]!.x).toBeCloseTo(5 - d, 5)
    expect(boxes[0]!.w).toBeCloseTo(10 + 2 * d, 5)
    expect(boxes[1]!.y).toBeLessThan(12)
  })
})
