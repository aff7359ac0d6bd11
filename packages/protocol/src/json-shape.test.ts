// Manifest shape bounds: nesting depth, metadata size and prototype keys, walked without recursion.
import { describe, expect, it } from 'vitest'
import {
  jsonShapeProblem,
  MAX_JSON_DEPTH,
  MAX_METADATA_BYTES,
  parseManifest,
  parseManifestDraft,
} from './index.js'

const digest = `sha256:${'a'.repeat(64)}`
const draft = (extra: Record<string, unknown> = {}) => ({
  schemaVersion: 1,
  format: 'onnx',
  files: [{ path: 'model.onnx', role: 'model', digest, size: 10 }],
  inputs: [{ name: 'x', dtype: 'float32', shape: [1] }],
  outputs: [{ name: 'y', dtype: 'float32', shape: [1] }],
  ...extra,
})
/** `{"a":{"a":…{}}}` nested `levels` deep, as JSON text (so no recursion builds it). */
const nestedJson = (levels: number) => `${'{"a":'.repeat(levels)}{}${'}'.repeat(levels)}`
const draftWithMetadataJson = (metadataJson: string) =>
  JSON.parse(JSON.stringify(draft()).replace(/}$/, `,"metadata":${metadataJson}}`))
const invalid = (input: unknown) => {
  try {
    parseManifestDraft(input)
  } catch (err) {
    return err as { code: string; message: string }
  }
  throw new Error('accepted')
}

describe('manifest shape', () => {
  it('refuses metadata nested ~4,100 levels (the probe that got a 500) and far deeper, with a clear message', () => {
    for (const levels of [4100, 150_000]) {
      const err = invalid(draftWithMetadataJson(nestedJson(levels)))
      expect(err.code).toBe('INVALID_MANIFEST')
      expect(err.message).toMatch(
        /nests deeper than 32 levels \(at metadata\.a\.a\.a\.…\(\d+ more\)…\.a\.a\.a\)/,
      )
    }
  })

  it('takes metadata up to the depth bound and refuses one level more', () => {
    // The document is level 0 and metadata level 1: metadata may hold MAX_JSON_DEPTH - 1 nested objects.
    const ok = draftWithMetadataJson(nestedJson(MAX_JSON_DEPTH - 2))
    expect(parseManifestDraft(ok).metadata).toBeDefined()
    expect(invalid(draftWithMetadataJson(nestedJson(MAX_JSON_DEPTH - 1))).code).toBe('INVALID_MANIFEST')
  })

  it('bounds the size of metadata', () => {
    const big = { note: 'x'.repeat(MAX_METADATA_BYTES) }
    expect(invalid(draft({ metadata: big })).message).toMatch(
      /metadata: is 65547 bytes as JSON; at most 65536 are allowed/,
    )
    expect(parseManifestDraft(draft({ metadata: { note: 'x'.repeat(1000) } })).metadata).toBeDefined()
  })

  it.each([
    ['__proto__', '{"__proto__":{"isAdmin":true}}', 'metadata.__proto__'],
    ['constructor', '{"tags":[{"constructor":{"prototype":{}}}]}', 'metadata.tags.0.constructor'],
    ['prototype', '{"a":{"b":{"prototype":1}}}', 'metadata.a.b.prototype'],
  ])('refuses a %s key inside metadata, naming it and where it is', (key, json, path) => {
    const err = invalid(draftWithMetadataJson(json))
    expect(err.code).toBe('INVALID_MANIFEST')
    expect(err.message).toContain(`key "${key}" is not allowed (at ${path})`)
  })

  it('refuses prototype keys anywhere in the manifest, not only in metadata', () => {
    const top = JSON.parse(JSON.stringify(draft()).replace(/^{/, '{"__proto__":{"x":1},'))
    expect(invalid(top).message).toContain('key "__proto__" is not allowed (at __proto__)')
    const inFile = JSON.parse(
      JSON.stringify(draft()).replace('"role":"model"', '"role":"model","constructor":1'),
    )
    expect(invalid(inFile).message).toContain('(at files.0.constructor)')
    const published = { ...draft(), name: 'm', version: 1, createdAt: '2026-11-26T00:00:00Z' }
    const pollutedPublished = JSON.parse(
      JSON.stringify(published).replace(/}$/, ',"metadata":{"__proto__":{}}}'),
    )
    expect(() => parseManifest(pollutedPublished)).toThrow(/key "__proto__" is not allowed/)
  })

  it('walks without recursion: a 500,000-level array is refused, not a stack overflow', () => {
    const deep = JSON.parse(`${'['.repeat(500_000)}${']'.repeat(500_000)}`)
    expect(jsonShapeProblem(deep)).toMatch(/^nests deeper than 32 levels/)
    expect(jsonShapeProblem({ a: [1, { b: 'c' }], d: null })).toBeNull()
  })
})
