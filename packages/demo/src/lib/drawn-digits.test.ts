// Strokes like a visitor draws them (round pen, 20 px wide on the 280 px pad, as the page uses) for
// every digit go through the page's preprocessing and digits.onnx (onnxruntime-node) to the right class.
import { fileURLToPath } from 'node:url'
import * as ort from 'onnxruntime-node'
import { expect, it } from 'vitest'
import { toMnist, topK } from './mnist-preprocess.js'

/** Paints polylines with a round pen of radius `width` into a 280x280 ink image. */
function draw(lines: [number, number][][], width: number): Float32Array {
  const S = 280
  const img = new Float32Array(S * S)
  for (const line of lines)
    for (let i = 0; i + 1 < line.length; i++) {
      const [ax, ay] = line[i]!
      const [bx, by] = line[i + 1]!
      const steps = Math.ceil(Math.hypot(bx - ax, by - ay))
      for (let s = 0; s <= steps; s++) {
        const x = ax + ((bx - ax) * s) / steps
        const y = ay + ((by - ay) * s) / steps
        for (let dy = -width; dy <= width; dy++)
          for (let dx = -width; dx <= width; dx++) {
            if (dx * dx + dy * dy > width * width) continue
            const px = Math.round(x + dx),
              py = Math.round(y + dy)
            if (px >= 0 && px < S && py >= 0 && py < S) img[py * S + px] = 1
          }
      }
    }
  return img
}
/** Points along an ellipse arc. */
const circle = (
  cx: number,
  cy: number,
  rx: number,
  ry: number,
  a0 = 0,
  a1 = Math.PI * 2,
  n = 40,
): [number, number][] =>
  Array.from({ length: n + 1 }, (_, i) => {
    const a = a0 + ((a1 - a0) * i) / n
    return [cx + rx * Math.cos(a), cy + ry * Math.sin(a)] as [number, number]
  })
const digits: Record<number, [number, number][][]> = {
  0: [circle(140, 140, 60, 95)],
  1: [
    [
      [140, 40],
      [140, 240],
    ],
  ],
  2: [[...circle(140, 95, 55, 50, Math.PI, Math.PI * 2.25), [85, 240], [200, 240]]],
  3: [
    circle(135, 90, 50, 48, -Math.PI * 0.9, Math.PI * 0.5),
    circle(135, 185, 55, 50, -Math.PI * 0.5, Math.PI * 0.9),
  ],
  4: [
    [
      [160, 40],
      [80, 170],
      [210, 170],
    ],
    [
      [170, 100],
      [170, 245],
    ],
  ],
  5: [
    [
      [200, 45],
      [95, 45],
      [90, 125],
    ],
    circle(135, 175, 60, 55, -Math.PI * 0.75, Math.PI * 0.8),
  ],
  6: [[[180, 40], [110, 120], ...circle(140, 185, 55, 50, Math.PI, Math.PI * 3)]],
  7: [
    [
      [70, 50],
      [210, 50],
      [120, 250],
    ],
  ],
  8: [circle(140, 90, 45, 45), circle(140, 190, 55, 50)],
  9: [[...circle(140, 95, 50, 50, 0, Math.PI * 2), [190, 95], [175, 245]]],
}
it('classifies a drawn stroke of every digit, at three pen widths', async () => {
  const model = fileURLToPath(new URL('../../models/digits.onnx', import.meta.url))
  const session = await ort.InferenceSession.create(model)
  const wrong: string[] = []
  for (const width of [8, 10, 14]) {
    for (const [d, lines] of Object.entries(digits)) {
      const x = toMnist(draw(lines, width), 280, 280)!
      const out = await session.run({ x: new ort.Tensor('float32', x, [1, 784]) })
      const top = topK(out.probs!.data as Float32Array, 1)[0]
      if (top !== Number(d)) wrong.push(`${d} drawn ${width * 2} px wide read as ${top}`)
    }
  }
  expect(wrong).toEqual([])
})
