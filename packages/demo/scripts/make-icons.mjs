// Draws the playground's app icons (a ferry on waves over a blue square) as PNG files, with no image
// library: pixels are computed here and written with zlib. Run: node packages/demo/scripts/make-icons.mjs
import { writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { deflateSync } from 'node:zlib'

const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'public', 'icons')

const CRC = new Int32Array(256).map((_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c
})
function crc32(buf) {
  let c = -1
  for (const b of buf) c = CRC[(c ^ b) & 0xff] ^ (c >>> 8)
  return (c ^ -1) >>> 0
}
function chunk(type, data) {
  const len = Buffer.alloc(4)
  len.writeUInt32BE(data.length)
  const td = Buffer.concat([Buffer.from(type), data])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(td))
  return Buffer.concat([len, td, crc])
}
function png(size, pixel) {
  const raw = Buffer.alloc(size * (size * 4 + 1))
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0
    for (let x = 0; x < size; x++) {
      const [r, g, b, a] = pixel(x / size, y / size)
      raw.set([r, g, b, a], y * (size * 4 + 1) + 1 + x * 4)
    }
  }
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(size, 0)
  ihdr.writeUInt32BE(size, 4)
  ihdr.set([8, 6, 0, 0, 0], 8)
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ])
}

/** The artwork in unit coordinates; `inset` shrinks it into the maskable safe zone. */
function art(inset, rounded) {
  return (u, v) => {
    const r = 0.18
    if (rounded) {
      const dx = Math.max(r - u, 0, u - (1 - r))
      const dy = Math.max(r - v, 0, v - (1 - r))
      if (dx * dx + dy * dy > r * r) return [0, 0, 0, 0]
    }
    const x = (u - 0.5) / (1 - 2 * inset) + 0.5
    const y = (v - 0.5) / (1 - 2 * inset) + 0.5
    const bg = [Math.round(20 + 20 * y), Math.round(60 + 50 * y), Math.round(140 + 60 * y), 255]
    const wave = 0.7 + 0.03 * Math.sin(x * Math.PI * 6)
    if (y > wave + 0.06 && y < wave + 0.1) return [160, 210, 255, 255]
    if (y > wave) return [30, 90, 170, 255]
    // hull: a trapezoid; cabin: a block; funnel
    const hull = y > 0.58 && y < wave && x > 0.2 + (y - 0.58) * 1.2 && x < 0.8 - (y - 0.58) * 1.2
    const cabin = y > 0.44 && y <= 0.58 && x > 0.32 && x < 0.68
    const funnel = y > 0.32 && y <= 0.44 && x > 0.52 && x < 0.6
    const window = cabin && y > 0.48 && y < 0.53 && (x * 20) % 2 > 1 && x > 0.36 && x < 0.64
    if (window) return [40, 90, 170, 255]
    if (funnel) return [255, 190, 60, 255]
    if (hull || cabin) return [250, 250, 252, 255]
    return bg
  }
}

writeFileSync(join(out, 'icon-192.png'), png(192, art(0, true)))
writeFileSync(join(out, 'icon-512.png'), png(512, art(0, true)))
writeFileSync(join(out, 'maskable-512.png'), png(512, art(0.1, false)))
writeFileSync(join(out, 'apple-touch-icon.png'), png(180, art(0, false)))
console.log(`icons written to ${out}`)
