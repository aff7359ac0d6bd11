/**
 * Alias/version → manifest against a Ferry registry: immutable versions come from the cache when known,
 * aliases are revalidated with If-None-Match; with the registry unreachable, the cache answers offline.
 */
import {
  errorFromResponse,
  FerryError,
  fetchRegistry,
  isValidAlias,
  isValidName,
  LATEST,
  type Manifest,
  parseVersion,
  paths,
} from '@ferry/protocol'
import type { ModelCache } from '../cache/types.js'
import { checkManifest } from './check-manifest.js'

export interface RegistryContext {
  registry: string
  fetch: typeof fetch
  cache: ModelCache
}

/** `fetch` of a registry path, with network failures as REGISTRY_UNREACHABLE and aborts as ABORTED. */
export function registryFetch(ctx: RegistryContext, path: string, init: RequestInit = {}): Promise<Response> {
  const url = new URL(path, ctx.registry.endsWith('/') ? ctx.registry : `${ctx.registry}/`).href
  return fetchRegistry(ctx.fetch, ctx.registry, url, init)
}

async function readManifest(res: Response, name: string): Promise<Manifest> {
  const m = checkManifest(await res.json().catch(() => null))
  if (m.name !== name)
    throw new FerryError('INVALID_MANIFEST', `registry sent the manifest of "${m.name}" for "${name}"`)
  return m
}

/** Offline answer: the cached manifest, else NOT_CACHED_OFFLINE (model seen before) / the network error. */
async function offline(
  ctx: RegistryContext,
  name: string,
  version: number | null,
  alias: string | null,
  cause: FerryError,
): Promise<Manifest> {
  const v = version ?? (alias ? (await ctx.cache.getAlias(name, alias))?.version : undefined)
  const m = v === undefined ? null : await ctx.cache.getManifest(name, v)
  if (m) return m
  const known = v !== undefined || (await ctx.cache.list().catch(() => [])).some((e) => e.name === name)
  if (!known) throw cause
  throw new FerryError(
    'NOT_CACHED_OFFLINE',
    `registry unreachable and ${name}@${version ?? alias} is not cached on this device`,
    { cause },
  )
}

/**
 * Resolves `version` (a number, a numeric string, or an alias; default `latest`) to a manifest and
 * records it (and the alias's ETag) in the cache.
 */
export async function resolveManifest(
  ctx: RegistryContext,
  name: string,
  version: number | string | undefined,
  signal?: AbortSignal,
  useEtag = true,
): Promise<Manifest> {
  if (!isValidName(name)) throw new FerryError('INVALID_NAME', `invalid model name "${name}"`)
  const ver = version === undefined ? null : parseVersion(version)
  const alias = ver === null ? String(version ?? LATEST) : null
  if (alias !== null && !isValidAlias(alias))
    throw new FerryError('INVALID_VERSION', `"${alias}" is neither a version number nor an alias`)

  if (ver !== null) {
    const cached = await ctx.cache.getManifest(name, ver)
    if (cached) return cached
  }
  const known = alias === null ? null : await ctx.cache.getAlias(name, alias)
  const headers: Record<string, string> = {}
  if (useEtag && known?.etag) headers['if-none-match'] = known.etag
  let res: Response
  try {
    res = await registryFetch(
      ctx,
      ver !== null ? paths.version(name, ver) : paths.alias(name, alias as string),
      signal ? { headers, signal } : { headers },
    )
  } catch (err) {
    if ((err as FerryError).code !== 'REGISTRY_UNREACHABLE') throw err
    return offline(ctx, name, ver, alias, err as FerryError)
  }
  if (res.status === 304 && known) {
    const m = await ctx.cache.getManifest(name, known.version)
    if (m) {
      await ctx.cache.putManifest(m, { alias: alias as string, ...(known.etag ? { etag: known.etag } : {}) })
      return m
    }
    return resolveManifest(ctx, name, version, signal, false)
  }
  if (!res.ok) throw await errorFromResponse(res)
  const manifest = await readManifest(res, name)
  if (ver !== null && manifest.version !== ver)
    throw new FerryError('INVALID_MANIFEST', `asked for version ${ver}, got ${manifest.version}`)
  const etag = res.headers.get('etag')
  await ctx.cache.putManifest(manifest, alias === null ? undefined : { alias, ...(etag ? { etag } : {}) })
  return manifest
}
