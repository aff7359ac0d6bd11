import { describe, expect, it } from 'vitest'
import {
  errorFromBody,
  FerryError,
  fallbackReasonLabel,
  hasErrorCode,
  isSafeRelativePath,
  isValidAlias,
  isValidName,
  parseManifest,
  parseManifestDraft,
  parseVersion,
  safeParseTelemetryBatch,
} from './index.js'

const digest = `sha256:${'a'.repeat(64)}`
const draft = () => ({
  schemaVersion: 1,
  format: 'onnx',
  files: [{ path: 'model.onnx', role: 'model', digest, size: 10 }],
  inputs: [{ name: 'x', dtype: 'float32', shape: ['batch', 784] }],
  outputs: [{ name: 'probs', dtype: 'float32', shape: ['batch', 10] }],
  runtime: { backends: ['webgpu', 'wasm'], batching: { maxBatchSize: 32, maxDelayMs: 2 } },
})

describe('names', () => {
  it.each(['digits', 'a', 'silero-vad', 'ocr.det_v2', '0model', 'a'.repeat(64)])('accepts %s', (n) => {
    expect(isValidName(n)).toBe(true)
  })
  it.each(['', '..', 'a..b', 'a/b', 'a%2Fb', 'Digits', '-x', '.x', 'a'.repeat(65), 'a b', 'é'])(
    'rejects %j',
    (n) => {
      expect(isValidName(n)).toBe(false)
    },
  )
  it('keeps aliases apart from versions', () => {
    expect(isValidAlias('stable')).toBe(true)
    expect(isValidAlias('3')).toBe(false)
  })
  it('parses versions strictly', () => {
    expect(parseVersion('3')).toBe(3)
    expect(parseVersion(3)).toBe(3)
    for (const bad of ['0', '-1', '1.5', '01', 'x', '', '9999999999999999', 0, 1.5])
      expect(parseVersion(bad)).toBeNull()
  })
  it('rejects unsafe file paths', () => {
    expect(isSafeRelativePath('model.onnx')).toBe(true)
    expect(isSafeRelativePath('weights/part1.bin')).toBe(true)
    for (const bad of ['', '/etc/passwd', '../x', 'a/../b', './a', 'a\\b', 'C:x', 'a//b']) {
      expect(isSafeRelativePath(bad)).toBe(false)
    }
  })
})

describe('manifest', () => {
  it('accepts a valid draft and a published manifest', () => {
    expect(parseManifestDraft(draft()).files).toHaveLength(1)
    const m = parseManifest({ ...draft(), name: 'digits', version: 3, createdAt: '2026-11-26T00:00:00Z' })
    expect(m.version).toBe(3)
  })
  it('takes any well-formed format name (a backend must claim it), not only onnx', () => {
    expect(parseManifestDraft({ ...draft(), format: 'tflite' }).format).toBe('tflite')
    for (const format of ['', 'ONNX', '../x', 'a'.repeat(33), 3])
      expect(() => parseManifestDraft({ ...draft(), format })).toThrow(/format/)
  })
  const bad: [string, (d: ReturnType<typeof draft>) => unknown][] = [
    ['empty files', (d) => ({ ...d, files: [] })],
    ['unknown dtype', (d) => ({ ...d, inputs: [{ name: 'x', dtype: 'float128', shape: [1] }] })],
    ['path traversal', (d) => ({ ...d, files: [{ ...d.files[0], path: '../model.onnx' }] })],
    ['bad digest', (d) => ({ ...d, files: [{ ...d.files[0], digest: 'md5:abc' }] })],
    ['no model file', (d) => ({ ...d, files: [{ ...d.files[0], role: 'labels' }] })],
    ['missing inputs', ({ inputs: _i, ...rest }) => rest],
    ['unknown field', (d) => ({ ...d, extra: 1 })],
    ['a version in the draft', (d) => ({ ...d, version: 2 })],
    ['negative size', (d) => ({ ...d, files: [{ ...d.files[0], size: -1 }] })],
    ['duplicate paths', (d) => ({ ...d, files: [d.files[0], { ...d.files[0], role: 'labels' }] })],
  ]
  it.each(bad)('rejects %s with INVALID_MANIFEST', (_label, mutate) => {
    expect(() => parseManifestDraft(mutate(draft()))).toThrowError(
      expect.objectContaining({ code: 'INVALID_MANIFEST' }),
    )
  })
})

describe('errors', () => {
  it('keeps the code through JSON and structured clone', () => {
    const e = new FerryError('MODEL_NOT_FOUND', 'no model "x"')
    expect(e.status).toBe(404)
    const back = errorFromBody(JSON.parse(JSON.stringify(e)), 404)
    expect(back.code).toBe('MODEL_NOT_FOUND')
    expect(hasErrorCode(structuredClone({ code: e.code, message: e.message }), 'MODEL_NOT_FOUND')).toBe(true)
    expect(errorFromBody({ error: { code: 'NOPE', message: 'x' } }).code).toBe('INTERNAL')
  })
})

describe('telemetry', () => {
  const batch = {
    client: { id: 'c1', runtime: '0.1.0', env: 'browser' },
    events: [
      {
        type: 'inference',
        model: 'digits',
        version: 3,
        backend: 'wasm',
        batch: 1,
        queueMs: 0.1,
        computeMs: 1,
        ok: true,
        ts: 1_764_115_200_000,
      },
      {
        type: 'fallback',
        model: 'digits',
        version: 3,
        from: 'webgpu',
        to: 'wasm',
        reason: 'no-adapter',
        ts: 1_764_115_200_000,
      },
    ],
  }
  it('accepts a valid batch', () => {
    expect(safeParseTelemetryBatch(batch).ok).toBe(true)
  })
  it('rejects unknown event types and bad fields', () => {
    expect(safeParseTelemetryBatch({ ...batch, events: [{ type: 'boom', ts: 1 }] }).ok).toBe(false)
    expect(safeParseTelemetryBatch({ ...batch, events: [{ ...batch.events[0], backend: 'webgl' }] }).ok).toBe(
      false,
    )
    expect(safeParseTelemetryBatch({ events: [] }).ok).toBe(false)
  })
  it('refuses a timestamp that is not a finite time between 2020 and 2100, naming the field', () => {
    const at = (ts: unknown) => safeParseTelemetryBatch({ ...batch, events: [{ ...batch.events[0], ts }] })
    // JSON.parse turns 1e999 into Infinity: what a client sending `"ts": 1e999` gets past a plain number check.
    for (const ts of [JSON.parse('1e999'), -JSON.parse('1e999'), Number.NaN, 1, 1e9, 5e12, -1]) {
      const r = at(ts)
      expect(r.ok ? 'accepted' : r.message).toMatch(/^invalid telemetry batch: events\.0\.ts: /)
    }
    expect(at(Date.UTC(2020, 0, 1)).ok).toBe(true)
    expect(at(Date.now()).ok).toBe(true)
  })
  it('takes a placement on inference and fallback events, from a closed set', () => {
    const [inference, fallback] = batch.events
    const edgeRun = { ...inference, backend: 'cpu', placement: 'edge' }
    const moved = { ...fallback, to: 'cpu', placement: 'edge', reason: 'over-device-budget: 67 MB > 50 MB' }
    expect(safeParseTelemetryBatch({ ...batch, events: [edgeRun, moved] }).ok).toBe(true)
    expect(safeParseTelemetryBatch({ ...batch, events: [{ ...inference, placement: 'cloud' }] }).ok).toBe(
      false,
    )
  })
  it('maps reasons to closed labels', () => {
    expect(fallbackReasonLabel('over-device-budget: 67 MB > 50 MB')).toBe('over-device-budget')
    expect(fallbackReasonLabel('session-failed: out of memory')).toBe('session-failed')
    expect(fallbackReasonLabel('made-up')).toBe('other')
  })
})
