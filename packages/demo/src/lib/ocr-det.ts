// Pre- and post-processing for PaddleOCR's text detector (DBNet): an RGBA image becomes a normalised
// NCHW tensor whose sides are multiples of 32; the probability map it returns becomes text boxes.

export interface Box {
  x: number
  y: number
  w: number
  h: number
  score: number
}

const MEAN = [0.485, 0.456, 0.406]
const STD = [0.229, 0.224, 0.225]

/** Size the detector should see: longest side at most `limit`, both sides multiples of 32. */
export function detSize(w: number, h: number, limit = 960): { w: number; h: number } {
  const ratio = Math.min(1, limit / Math.max(w, h))
  const round32 = (v: number) => Math.max(32, Math.round((v * ratio) / 32) * 32)
  return { w: round32(w), h: round32(h) }
}

/** RGBA pixels (already resized to w x h) → float32 [1, 3, h, w] in BGR order, as PaddleOCR feeds cv2 images. */
export function toDetInput(rgba: Uint8ClampedArray, w: number, h: number): Float32Array {
  const plane = w * h
  const out = new Float32Array(3 * plane)
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < 3; c++) {
      // channel c of the tensor is B, G, R in turn
      const v = (rgba[i * 4 + (2 - c)] ?? 0) / 255
      out[c * plane + i] = (v - (MEAN[c] ?? 0)) / (STD[c] ?? 1)
    }
  }
  return out
}

/**
 * Probability map (h x w) → axis-aligned text boxes in map coordinates: threshold, 4-connected
 * components, mean-score filter, then DBNet's "unclip" (grow by area * ratio / perimeter).
 */
export function boxesFromMap(
  prob: Float32Array,
  w: number,
  h: number,
  opts: { thresh?: number; boxThresh?: number; unclip?: number; minSize?: number } = {},
): Box[] {
  const thresh = opts.thresh ?? 0.3
  const boxThresh = opts.boxThresh ?? 0.6
  const unclip = opts.unclip ?? 1.5
  const minSize = opts.minSize ?? 3
  const seen = new Uint8Array(w * h)
  const stack: number[] = []
  const boxes: Box[] = []
  for (let start = 0; start < w * h; start++) {
    if (seen[start] || (prob[start] ?? 0) <= thresh) continue
    seen[start] = 1
    stack.push(start)
    let minX = w
    let minY = h
    let maxX = 0
    let maxY = 0
    let sum = 0
    let count = 0
    while (stack.length) {
      const i = stack.pop()!
      const x = i % w
      const y = (i - x) / w
      sum += prob[i] ?? 0
      count++
      if (x < minX) minX = x
      if (x > maxX) maxX = x
      if (y < minY) minY = y
      if (y > maxY) maxY = y
      const next = [x > 0 ? i - 1 : -1, x < w - 1 ? i + 1 : -1, y > 0 ? i - w : -1, y < h - 1 ? i + w : -1]
      for (const n of next) {
        if (n >= 0 && !seen[n] && (prob[n] ?? 0) > thresh) {
          seen[n] = 1
          stack.push(n)
        }
      }
    }
    const bw = maxX - minX + 1
    const bh = maxY - minY + 1
    const score = sum / count
    if (Math.min(bw, bh) < minSize || score < boxThresh) continue
    const d = (bw * bh * unclip) / (2 * (bw + bh))
    const x = Math.max(0, minX - d)
    const y = Math.max(0, minY - d)
    boxes.push({
      x,
      y,
      w: Math.min(w, maxX + 1 + d) - x,
      h: Math.min(h, maxY + 1 + d) - y,
      score,
    })
  }
  return boxes.sort((a, b) => a.y - b.y || a.x - b.x)
}
