// Test support for the edge: a real in-process registry (the runtime's test registry) with real models
// published (digits with `runtime.batching`, Silero VAD with an int64 scalar and several outputs), and
// the edge app on the real engine, reaching the registry through its fetch.
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { TensorSpec } from '@ferry/protocol'
import {
  createTestRegistry,
  npmModel,
  REGISTRY,
  type TestRegistry,
  VAD_SIGNATURE,
} from '../../runtime/test/registry.js'
import { createEdgeApp, type EdgeApp } from '../src/app.js'
import type { EdgeOptions } from '../src/options.js'

export { createTestRegistry, REGISTRY, type TestRegistry }

export const DIGITS = new Uint8Array(
  readFileSync(fileURLToPath(new URL('../../demo/models/digits.onnx', import.meta.url))),
)
export const DIGITS_SIG: { inputs: TensorSpec[]; outputs: TensorSpec[] } = {
  inputs: [{ name: 'x', dtype: 'float32', shape: ['batch', 784] }],
  outputs: [{ name: 'probs', dtype: 'float32', shape: ['batch', 10] }],
}
export const VAD = () => npmModel('@ricky0123/vad-web/dist/silero_vad_legacy.onnx')
export { VAD_SIGNATURE }

/** Publishes digits (batching on) and silero-vad; returns their versions. */
export async function seed(reg: TestRegistry): Promise<{ digits: number; vad: number }> {
  const digits = await reg.publish('digits', [{ path: 'model.onnx', role: 'model', bytes: DIGITS }], {
    ...DIGITS_SIG,
    runtime: { backends: ['wasm'], batching: { maxBatchSize: 16, maxDelayMs: 5 } },
  })
  const vad = await reg.publish('silero-vad', [{ path: 'model.onnx', role: 'model', bytes: VAD() }], {
    ...VAD_SIGNATURE,
    runtime: { backends: ['wasm'] },
  })
  await reg.setAlias('silero-vad', 'stable', vad)
  return { digits, vad }
}

/** The edge app on the real engine, against `reg`. */
export function edgeApp(reg: TestRegistry, options: Partial<EdgeOptions> = {}): EdgeApp {
  return createEdgeApp({
    registry: REGISTRY,
    fetch: reg.fetch,
    pollMs: 0,
    backends: ['wasm'],
    log: () => {},
    ...options,
  })
}

/** A digits input row: a seeded pseudo-random image. */
export function digitRow(seed: number): number[] {
  let a = seed >>> 0
  return Array.from({ length: 784 }, () => {
    a = (Math.imul(a ^ (a >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0
    return Math.fround((a % 1000) / 1000)
  })
}

/** POSTs JSON to the app. */
export function post(app: EdgeApp, path: string, body: unknown, headers: Record<string, string> = {}) {
  return app.request(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
}

/** Builds a Triton binary-extension body: JSON header + tensors. */
export function binaryBody(
  header: unknown,
  ...tensors: ArrayBufferView[]
): { body: Uint8Array; headerLength: number } {
  const head = new TextEncoder().encode(JSON.stringify(header))
  const total = tensors.reduce((n, t) => n + t.byteLength, head.byteLength)
  const body = new Uint8Array(total)
  body.set(head)
  let at = head.byteLength
  for (const t of tensors) {
    body.set(new Uint8Array(t.buffer, t.byteOffset, t.byteLength), at)
    at += t.byteLength
  }
  return { body, headerLength: head.byteLength }
}
