/** Byte helpers shared by the HTTP and store code. */

/** `chunks` (holding `size` bytes in all) as one array; a single chunk of that size is returned as is. */
export function concatBytes(chunks: readonly Uint8Array[], size: number): Uint8Array {
  if (chunks.length === 1 && chunks[0]?.byteLength === size) return chunks[0]
  const out = new Uint8Array(size)
  let off = 0
  for (const c of chunks) {
    out.set(c, off)
    off += c.byteLength
  }
  return out
}
