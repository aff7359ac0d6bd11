// examples/node-engine.mjs as a user runs it: a Node program that imports @ferry/runtime/engine, picks
// onnxruntime-node, loads a model from a registry over a real socket and runs it (needs the build).
import { execFile } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { createMemoryStore } from '@ferry/registry-server'
import { RegistryClient } from '@ferry/registry-server/client'
import { serve } from '@ferry/registry-server/node'
import { expect, it } from 'vitest'
// @ts-expect-error plain JS helper shared with the benchmarks
import { mlpOnnx, mlpSignature } from '../../../bench/lib/mlp-onnx.mjs'
import { digestOf } from './registry.js'

const example = fileURLToPath(new URL('../examples/node-engine.mjs', import.meta.url))

it('examples/node-engine.mjs loads a model from a registry and runs it on onnxruntime-node', async () => {
  const server = await serve({ store: createMemoryStore(), tokens: ['t'], port: 0 })
  const dir = await mkdtemp(path.join(tmpdir(), 'ferry-node-example-'))
  try {
    const client = new RegistryClient({ registry: server.url, token: 't' })
    const bytes: Uint8Array = mlpOnnx(8, 4)
    await client.uploadBlob(bytes, digestOf(bytes))
    await client.publish('mlp', {
      schemaVersion: 1,
      format: 'onnx',
      files: [{ path: 'model.onnx', role: 'model', digest: digestOf(bytes), size: bytes.byteLength }],
      ...mlpSignature(8, 4),
    })
    const { stdout } = await promisify(execFile)(process.execPath, [example, server.url, 'mlp', '1', dir])
    expect(JSON.parse(stdout)).toEqual({ model: 'mlp@1', backend: 'cpu', outputs: { y: [1, 4] } })
  } finally {
    await server.close()
    await rm(dir, { recursive: true, force: true })
  }
})
