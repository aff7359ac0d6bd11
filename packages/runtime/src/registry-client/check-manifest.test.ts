import { type Manifest, parseManifest } from '@ferry/protocol'
import { describe, expect, it } from 'vitest'
import { checkManifest } from './check-manifest.js'

const good: Manifest = {
  schemaVersion: 1,
  name: 'digits',
  version: 3,
  format: 'onnx',
  files: [
    { path: 'model.onnx', role: 'model', digest: `sha256:${'a'.repeat(64)}`, size: 10 },
    { path: 'labels.json', role: 'labels', digest: `sha256:${'b'.repeat(64)}`, size: 2 },
  ],
  inputs: [{ name: 'x', dtype: 'float32', shape: ['batch', 784] }],
  outputs: [{ name: 'probs', dtype: 'float32', shape: ['batch', 10] }],
  runtime: { backends: ['webgpu', 'wasm'], batching: { maxBatchSize: 32, maxDelayMs: 2 } },
  createdAt: '2026-11-26T00:00:00Z',
  metadata: {},
}

const bad: [string, unknown][] = [
  ['not an object', 'x'],
  ['bad name', { ...good, name: '../x' }],
  ['version 0', { ...good, version: 0 }],
  ['no files', { ...good, files: [] }],
  ['two models', { ...good, files: [good.files[0], { ...good.files[0], path: 'b.onnx' }] }],
  ['unsafe path', { ...good, files: [{ ...good.files[0], path: '../m.onnx' }] }],
  ['bad digest', { ...good, files: [{ ...good.files[0], digest: 'md5:1' }] }],
  ['duplicate path', { ...good, files: [good.files[0], { ...good.files[1], path: 'model.onnx' }] }],
  ['bad dtype', { ...good, inputs: [{ name: 'x', dtype: 'float33', shape: [1] }] }],
  ['bad dim', { ...good, inputs: [{ name: 'x', dtype: 'float32', shape: [-1] }] }],
  ['bad backend', { ...good, runtime: { backends: ['webgl'] } }],
]

describe('checkManifest (the worker-side check) agrees with the protocol schema', () => {
  it('accepts what parseManifest accepts', () => {
    expect(parseManifest(good)).toBeTruthy()
    expect(checkManifest(good)).toBe(good)
  })
  it.each(bad)('rejects %s, as parseManifest does', (_, m) => {
    expect(() => parseManifest(m)).toThrow()
    expect(() => checkManifest(m)).toThrow(expect.objectContaining({ code: 'INVALID_MANIFEST' }))
  })
})
