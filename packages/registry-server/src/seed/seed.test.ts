// Seeding real pretrained models: into a store folder (in-process app) and into a running registry; idempotent.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { serve } from '../adapter/node/index.js'
import { RegistryClient } from '../cli/client.js'
import { CATALOG, type CatalogModel } from './catalog.js'
import { findRepoRoot, seedRegistry } from './seed.js'
import { seedStore } from './store.js'

const VAD = 'node_modules/@ricky0123/vad-web/dist'
const catalog: CatalogModel[] = [
  {
    name: 'vad',
    description: 'silero',
    source: 'test',
    license: 'MIT',
    versions: [
      { model: `${VAD}/silero_vad_legacy.onnx`, aliases: ['stable'] },
      { model: `${VAD}/silero_vad_v5.onnx`, metadata: { variant: 'v5' } },
      { model: 'does/not/exist.onnx' },
    ],
  },
]

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ferry-seed-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('seeding', () => {
  it('finds the repository root and every catalog name is valid', () => {
    expect(findRepoRoot()).toBe(resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../..'))
    for (const m of CATALOG) expect(m.name).toMatch(/^[a-z0-9][a-z0-9._-]{0,63}$/)
  })

  it('publishes into a store folder once, then finds everything already there', async () => {
    const store = join(dir, 'store')
    const lines: string[] = []
    const first = await seedStore(store, { catalog, log: (l) => lines.push(l) })
    expect(first.map((s) => [s.version, s.action])).toEqual([
      [1, 'published'],
      [2, 'published'],
      [null, 'skipped'],
    ])
    expect(lines.some((l) => l.includes('does/not/exist.onnx is missing; skipped'))).toBe(true)

    const second = await seedStore(store, { catalog })
    expect(second.map((s) => [s.version, s.action])).toEqual([
      [1, 'present'],
      [2, 'present'],
      [null, 'skipped'],
    ])

    // The folder now serves what was seeded: two versions, stable -> 1, signature read from the graph.
    const reg = await serve({ port: 0, storeDir: store, tokens: ['t'] })
    try {
      const client = new RegistryClient({ registry: reg.url, token: 't' })
      const detail = await client.getModel('vad')
      expect(detail.versions.map((v) => v.version)).toEqual([1, 2])
      expect(detail.aliases).toEqual({ stable: 1 })
      const v2 = await client.getManifest('vad', 2)
      expect(v2.inputs.map((i) => i.name)).toEqual(['input', 'state', 'sr'])
      expect(v2.metadata).toMatchObject({ license: 'MIT', variant: 'v5' })

      // A user moves the alias and publishes on top; seeding again keeps their changes' versions, restores
      // only what the catalog declares (stable -> 1) and publishes nothing.
      await client.setAlias('vad', 'stable', 2)
      const third = await seedRegistry(client, { catalog })
      expect(third.filter((s) => s.action === 'published')).toEqual([])
      expect((await client.getModel('vad')).aliases).toEqual({ stable: 1 })
    } finally {
      await reg.close()
    }
  })

  it('republishes a catalog version whose version was deleted', async () => {
    const store = join(dir, 'store2')
    await seedStore(store, { catalog: [{ ...catalog[0]!, versions: [catalog[0]!.versions[1]!] }] })
    const reg = await serve({ port: 0, storeDir: store, tokens: ['t'] })
    try {
      const client = new RegistryClient({ registry: reg.url, token: 't' })
      await client.deleteVersion('vad', 1)
      const again = await seedRegistry(client, {
        catalog: [{ ...catalog[0]!, versions: [catalog[0]!.versions[1]!] }],
      })
      expect(again).toEqual([{ name: 'vad', version: 2, action: 'published', aliases: [] }])
    } finally {
      await reg.close()
    }
  })
})
