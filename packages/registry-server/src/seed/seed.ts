/**
 * Seeds a registry with the catalog's pretrained models, idempotently: a catalog version whose files (paths and
 * digests) match a version already published is not published again, and aliases are only moved when needed.
 */
import { existsSync, readFileSync } from 'node:fs'
import { dirname, isAbsolute, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { FerryError, type ModelDetail } from '@ferry/protocol'
import type { RegistryClient } from '../cli/client.js'
import { type HashedFile, hashPlanned, planPublish, publishPlan } from '../cli/publish.js'
import { CATALOG, type CatalogModel } from './catalog.js'

export interface SeedOptions {
  catalog?: CatalogModel[]
  /** Folder the catalog's relative paths start from (default: the repository root). */
  root?: string
  /** Progress lines (default: none). */
  log?: (line: string) => void
}

export interface SeededVersion {
  name: string
  /** The registry version; null when skipped. */
  version: number | null
  action: 'published' | 'present' | 'skipped'
  aliases: string[]
}

/** Publishes every catalog version that the registry does not already hold; returns what it did. */
export async function seedRegistry(
  client: RegistryClient,
  options: SeedOptions = {},
): Promise<SeededVersion[]> {
  const root = options.root ?? findRepoRoot()
  const log = options.log ?? (() => {})
  const done: SeededVersion[] = []
  for (const model of options.catalog ?? CATALOG) {
    let detail = await modelDetail(client, model.name)
    const known = new Map<number, string>()
    for (const entry of model.versions) {
      const at = (p: string) => (isAbsolute(p) ? p : join(root, p))
      const modelPath = at(entry.model)
      if (!existsSync(modelPath)) {
        log(`warning: ${model.name}: ${entry.model} is missing; skipped`)
        done.push({ name: model.name, version: null, action: 'skipped', aliases: [] })
        continue
      }
      const present = (files: string[] | undefined) =>
        (files ?? []).map(at).filter((f) => {
          if (!existsSync(f)) log(`warning: ${model.name}: ${f} is missing; left out`)
          return existsSync(f)
        })
      const plan = await planPublish({
        files: [modelPath],
        labels: present(entry.labels),
        configs: present(entry.configs),
      })
      const hashed = await hashPlanned(client, plan)
      let version = await findSameVersion(client, model.name, detail, hashed, known)
      let action: SeededVersion['action'] = 'present'
      if (version === null) {
        const metadata = {
          description: model.description,
          source: model.source,
          license: model.license,
          ...entry.metadata,
        }
        version = (await publishPlan(client, model.name, plan, { hashed, metadata })).version
        action = 'published'
        detail = await modelDetail(client, model.name)
      }
      const aliases = entry.aliases ?? []
      for (const alias of aliases) {
        if (detail?.aliases[alias] === version) continue
        await client.setAlias(model.name, alias, version)
        if (detail) detail.aliases[alias] = version
      }
      log(
        `${model.name} v${version} (${plan.files.map((f) => f.path).join(', ')}): ${action === 'published' ? 'published' : 'already published'}` +
          (aliases.length ? `; ${aliases.join(', ')} -> ${version}` : ''),
      )
      done.push({ name: model.name, version, action, aliases })
    }
  }
  return done
}

async function modelDetail(client: RegistryClient, name: string): Promise<ModelDetail | null> {
  try {
    return await client.getModel(name)
  } catch (err) {
    if (err instanceof FerryError && err.code === 'MODEL_NOT_FOUND') return null
    throw err
  }
}

/** A live version with exactly these files (path, role, digest), or null. `cache` holds manifests' file keys. */
async function findSameVersion(
  client: RegistryClient,
  name: string,
  detail: ModelDetail | null,
  hashed: HashedFile[],
  cache: Map<number, string>,
): Promise<number | null> {
  if (!detail || hashed.some((f) => !f.present)) return null
  const want = filesKey(hashed)
  for (const { version } of [...detail.versions].reverse()) {
    let key = cache.get(version)
    if (key === undefined) {
      key = filesKey((await client.getManifest(name, version)).files)
      cache.set(version, key)
    }
    if (key === want) return version
  }
  return null
}

function filesKey(files: { path: string; role: string; digest: string }[]): string {
  return files
    .map((f) => `${f.path}\u0000${f.role}\u0000${f.digest}`)
    .sort()
    .join('\n')
}

/** The repository root: the nearest folder above this module whose package.json declares workspaces. */
export function findRepoRoot(from = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const pkg = join(dir, 'package.json')
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { workspaces?: unknown }).workspaces) return dir
      } catch {
        // not a readable package.json; keep walking up
      }
    }
    if (dirname(dir) === dir) return resolve('.')
  }
}
