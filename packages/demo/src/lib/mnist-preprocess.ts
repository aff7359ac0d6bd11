// Turns a drawing into a 28x28 MNIST-style input: crop the ink, fit it in a 20x20 box (area averaging),
// and place it in a 28x28 frame with its centre of mass in the middle, as the MNIST set was prepared.

/** Ink below this value (0..1) counts as background when cropping. */
const INK = 0.05

/** Box-averages `src` (w x h) over the rectangle (x0, y0, cw, ch) into a tw x th image. */
export function resampleArea(
  src: Float32Array,
  w: number,
  x0: number,
  y0: number,
  cw: number,
  ch: number,
  tw: number,
  th: number,
): Float32Array {
  const out = new Float32Array(tw * th)
  const sx = cw / tw
  const sy = ch / th
  for (let ty = 0; ty < th; ty++) {
    const ya = y0 + ty * sy
    const yb = ya + sy
    for (let tx = 0; tx < tw; tx++) {
      const xa = x0 + tx * sx
      const xb = xa + sx
      let sum = 0
      for (let y = Math.floor(ya); y < Math.ceil(yb); y++) {
        const wy = Math.min(yb, y + 1) - Math.max(ya, y)
        if (wy <= 0) continue
        for (let x = Math.floor(xa); x < Math.ceil(xb); x++) {
          const wx = Math.min(xb, x + 1) - Math.max(xa, x)
          if (wx > 0) sum += (src[y * w + x] ?? 0) * wx * wy
        }
      }
      out[ty * tw + tx] = sum / (sx * sy)
    }
  }
  return out
}

/** Bounding box of the ink, or null for an empty drawing. */
export function inkBounds(
  gray: Float32Array,
  w: number,
  h: number,
): { x: number; y: number; w: number; h: number } | null {
  let minX = w
  let minY = h
  let maxX = -1
  let maxY = -1
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if ((gray[y * w + x] ?? 0) > INK) {
        if (x < minX) minX = x
        if (x > maxX) maxX = x
        if (y < minY) minY = y
        if (y > maxY) maxY = y
      }
    }
  }
  return maxX < 0 ? null : { x: minX, y: minY, w: maxX - minX + 1, h: maxY - minY + 1 }
}

/**
 * Converts a grayscale drawing (ink = 1, background = 0; row-major w x h) into the 784 values the
 * digits model expects. Returns null when nothing is drawn.
 */
export function toMnist(gray: Float32Array, w: number, h: number): Float32Array | null {
  const box = inkBounds(gray, w, h)
  if (!box) return null
  // Fit the longer side to 20 px, keeping the aspect ratio.
  const scale = 20 / Math.max(box.w, box.h)
  const tw = Math.max(1, Math.round(box.w * scale))
  const th = Math.max(1, Math.round(box.h * scale))
  const small = resampleArea(gray, w, box.x, box.y, box.w, box.h, tw, th)
  let mass = 0
  let cx = 0
  let cy = 0
  for (let y = 0; y < th; y++) {
    for (let x = 0; x < tw; x++) {
      const v = small[y * tw + x] ?? 0
      mass += v
      cx += v * x
      cy += v * y
    }
  }
  // Place so that the centre of mass lands on (14, 14) (pixel centres at +0.5).
  const ox = Math.round(14 - (mass > 0 ? cx / mass + 0.5 : tw / 2))
  const oy = Math.round(14 - (mass > 0 ? cy / mass + 0.5 : th / 2))
  const out = new Float32Array(784)
  for (let y = 0; y < th; y++) {
    const ty = y + oy
    if (ty < 0 || ty >= 28) continue
    for (let x = 0; x < tw; x++) {
      const tx = x + ox
      if (tx >= 0 && tx < 28) out[ty * 28 + tx] = Math.min(1, small[y * tw + x] ?? 0)
    }
  }
  return out
}

/** Reads RGBA pixels as ink intensity: dark-on-light when `inkIsDark`, else light-on-dark. */
export function rgbaToInk(rgba: Uint8ClampedArray, inkIsDark: boolean): Float32Array {
  const out = new Float32Array(rgba.length / 4)
  for (let i = 0; i < out.length; i++) {
    const r = rgba[i * 4] ?? 0
    const g = rgba[i * 4 + 1] ?? 0
    const b = rgba[i * 4 + 2] ?? 0
    const a = (rgba[i * 4 + 3] ?? 255) / 255
    const lum = ((0.299 * r + 0.587 * g + 0.114 * b) / 255) * a
    out[i] = inkIsDark ? a - lum : lum
  }
  return out
}

/** Indices of the k largest values, best first. */
export function topK(values: ArrayLike<number>, k: number): number[] {
  return Array.from({ length: values.length }, (_, i) => i)
    .sort((a, b) => (values[b] ?? 0) - (values[a] ?? 0))
    .slice(0, k)
}
