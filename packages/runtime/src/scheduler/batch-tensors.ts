/** Merges requests along the batch dimension and splits the batched outputs back, for the dynamic batcher. */
import { type Manifest, UNNAMED_DIM } from '@ferry/protocol'
import { elementCount, isPacked4, type TensorData } from '../tensors/dtypes.js'
import type { Tensor } from '../tensors/tensor.js'

type Named = Record<string, Tensor>

/** The symbolic batch dim when every input and output starts with it and the manifest enables batching. */
export function batchDimOf(m: Pick<Manifest, 'inputs' | 'outputs' | 'runtime'>): string | null {
  if (!m.runtime?.batching || m.inputs.length === 0 || m.outputs.length === 0) return null
  const first = m.inputs[0]?.shape[0]
  // An unnamed dim says nothing about other tensors: it cannot be taken for a shared batch dim.
  if (typeof first !== 'string' || first === UNNAMED_DIM) return null
  const all = [...m.inputs, ...m.outputs]
  // Rows of string or packed 4-bit data cannot be cut and joined as array slices.
  return all.every((t) => t.shape[0] === first && t.dtype !== 'string' && !isPacked4(t.dtype)) ? first : null
}

/** Rows (first dim) of a request. */
export function rowsOf(inputs: Named): number {
  const t = Object.values(inputs)[0]
  return t?.dims[0] ?? 1
}

/** True when two requests can share a batch: same trailing dims for every input. */
export function sameTrailingDims(a: Named, b: Named): boolean {
  for (const k of Object.keys(a)) {
    const x = a[k]?.dims
    const y = b[k]?.dims
    if (!x || !y || x.length !== y.length) return false
    for (let i = 1; i < x.length; i++) if (x[i] !== y[i]) return false
  }
  return true
}

function concat(parts: TensorData[]): TensorData {
  const first = parts[0] as TensorData
  if (parts.length === 1) return first
  const n = parts.reduce((s, p) => s + p.length, 0)
  // Every part has the first one's array class (the manifest fixes each input's dtype).
  const Ctor = first.constructor as new (n: number) => { set(a: ArrayLike<unknown>, at: number): void }
  const out = new Ctor(n)
  let at = 0
  for (const p of parts) {
    out.set(p as ArrayLike<unknown>, at)
    at += p.length
  }
  return out as TensorData
}

/** Concatenates requests along dim 0. */
export function mergeBatch(requests: Named[]): Named {
  const first = requests[0] as Named
  if (requests.length === 1) return first
  const out: Named = {}
  for (const [k, t] of Object.entries(first)) {
    const parts = requests.map((r) => (r[k] as Tensor).data)
    const rows = requests.reduce((s, r) => s + ((r[k] as Tensor).dims[0] ?? 1), 0)
    out[k] = { data: concat(parts), dims: [rows, ...t.dims.slice(1)], dtype: t.dtype }
  }
  return out
}

/** Splits batched outputs back into one result per request, by each request's rows. */
export function splitBatch(outputs: Named, rows: number[]): Named[] {
  if (rows.length === 1) return [outputs]
  const results: Named[] = rows.map(() => ({}))
  for (const [k, t] of Object.entries(outputs)) {
    const per = elementCount(t.dims.slice(1))
    let at = 0
    rows.forEach((r, i) => {
      const data = (t.data as Exclude<TensorData, string[]>).slice(at * per, (at + r) * per)
      ;(results[i] as Named)[k] = { data, dims: [r, ...t.dims.slice(1)], dtype: t.dtype }
      at += r
    })
  }
  return results
}
