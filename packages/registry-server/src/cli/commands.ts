/** What each `ferry` command does, given parsed arguments; argument parsing lives in main.ts. */
import { FerryError, LATEST, type ModelSummary, parseVersion } from '@ferry/protocol'
import { DEFAULT_REGISTRY, RegistryClient } from './client.js'
import { formatBytes, formatTable, progressPrinter } from './format.js'
import { checkNames, planPublish, publishPlan } from './publish.js'
import { tokensFrom } from './token.js'

/** Where a command writes and what it reads from the environment; tests pass their own. */
export interface CliIO {
  stdout: { write(text: string): unknown }
  stderr: { write(text: string): unknown; isTTY?: boolean }
  env: Record<string, string | undefined>
  /** A fetch to use instead of the global one. */
  fetch?: (request: Request) => Promise<Response>
}

export interface ClientFlags {
  registry?: string
  token?: string
  tokenFile?: string
}

/** A client from `--registry`/`FERRY_REGISTRY` and the token sources of `token.ts`. */
export function clientFrom(flags: ClientFlags, io: CliIO): RegistryClient {
  return new RegistryClient({
    registry: flags.registry ?? io.env.FERRY_REGISTRY ?? DEFAULT_REGISTRY,
    token: tokensFrom(flags, io)[0],
    ...(io.fetch ? { fetch: io.fetch } : {}),
  })
}

/** Parses a version argument; INVALID_VERSION for anything but a positive integer. */
export function versionArg(text: string): number {
  const v = parseVersion(text)
  if (v === null)
    throw new FerryError('INVALID_VERSION', `"${text}" is not a version: use a positive integer`)
  return v
}

export interface PublishFlags extends ClientFlags {
  alias?: string
  label?: string[]
  config?: string[]
  json?: boolean
}

/** `ferry publish NAME FILE...` */
export async function publishCommand(
  name: string,
  files: string[],
  flags: PublishFlags,
  io: CliIO,
): Promise<void> {
  checkNames(name, flags.alias)
  const plan = await planPublish({ files, labels: flags.label ?? [], configs: flags.config ?? [] })
  for (const s of plan.signature.skipped)
    io.stderr.write(`warning: ${s} is not a tensor; left out of the signature\n`)
  const client = clientFrom(flags, io)
  const result = await publishPlan(client, name, plan, {
    alias: flags.alias,
    onEvent: progressPrinter(io.stderr),
  })
  if (flags.json) {
    io.stdout.write(`${JSON.stringify(result, null, 2)}\n`)
    return
  }
  const uploaded = result.files.filter((f) => f.uploaded).length
  const bytes = result.files.reduce((n, f) => n + f.size, 0)
  io.stdout.write(
    `Published ${name} version ${result.version} (${result.files.length} file${result.files.length === 1 ? '' : 's'}, ` +
      `${formatBytes(bytes)}; ${uploaded} uploaded, ${result.files.length - uploaded} already in the registry)\n`,
  )
  if (result.alias) io.stdout.write(`Alias ${result.alias} -> ${result.version}\n`)
}

/** `ferry ls [NAME]`: all models, or one model's versions. */
export async function lsCommand(
  name: string | undefined,
  flags: ClientFlags & { json?: boolean },
  io: CliIO,
) {
  const client = clientFrom(flags, io)
  if (name === undefined) {
    const { models } = await client.listModels()
    if (flags.json) return void io.stdout.write(`${JSON.stringify(models, null, 2)}\n`)
    if (models.length === 0)
      return void io.stdout.write('No models yet; publish one with `ferry publish NAME model.onnx`\n')
    const rows = models.map((m: ModelSummary) => [m.name, String(m.latestVersion), aliasText(m.aliases)])
    io.stdout.write(`${formatTable(['NAME', 'LATEST', 'ALIASES'], rows)}\n`)
    return
  }
  checkNames(name)
  const detail = await client.getModel(name)
  if (flags.json) return void io.stdout.write(`${JSON.stringify(detail, null, 2)}\n`)
  const byVersion = new Map<number, string[]>()
  for (const [alias, v] of Object.entries(detail.aliases))
    byVersion.set(v, [...(byVersion.get(v) ?? []), alias])
  const top = Math.max(0, ...detail.versions.map((v) => v.version))
  if (top > 0) byVersion.set(top, [...(byVersion.get(top) ?? []), LATEST])
  const rows = detail.versions.map((v) => [
    String(v.version),
    v.createdAt,
    formatBytes(v.size),
    (byVersion.get(v.version) ?? []).sort().join(', '),
  ])
  io.stdout.write(`${formatTable(['VERSION', 'CREATED', 'SIZE', 'ALIASES'], rows)}\n`)
}

function aliasText(aliases: Record<string, number>): string {
  return Object.entries(aliases)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([a, v]) => `${a}=${v}`)
    .join(', ')
}

/** `ferry show NAME [VERSION|ALIAS]`: the manifest, as JSON. */
export async function showCommand(name: string, ref: string | undefined, flags: ClientFlags, io: CliIO) {
  checkNames(name)
  const parsed = ref === undefined ? LATEST : (parseVersion(ref) ?? ref)
  const manifest = await clientFrom(flags, io).getManifest(name, parsed)
  io.stdout.write(`${JSON.stringify(manifest, null, 2)}\n`)
}

/** `ferry alias NAME ALIAS VERSION` */
export async function aliasSetCommand(
  name: string,
  alias: string,
  version: string,
  flags: ClientFlags,
  io: CliIO,
) {
  checkNames(name, alias)
  const v = versionArg(version)
  await clientFrom(flags, io).setAlias(name, alias, v)
  io.stdout.write(`Alias ${name}:${alias} -> ${v}\n`)
}

/** `ferry alias rm NAME ALIAS` / `ferry unalias NAME ALIAS` */
export async function aliasRmCommand(name: string, alias: string, flags: ClientFlags, io: CliIO) {
  checkNames(name, alias)
  await clientFrom(flags, io).deleteAlias(name, alias)
  io.stdout.write(`Removed alias ${name}:${alias}\n`)
}

/** `ferry rm NAME VERSION` */
export async function rmCommand(name: string, version: string, flags: ClientFlags, io: CliIO) {
  checkNames(name)
  const v = versionArg(version)
  await clientFrom(flags, io).deleteVersion(name, v)
  io.stdout.write(`Deleted ${name} version ${v}\n`)
}
