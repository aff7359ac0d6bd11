/**
 * Publishing local files as a model version: decide each file's role and manifest path, read the ONNX signature,
 * upload only the blobs the registry lacks (streamed, digest-verified), then post the manifest.
 */
import { basename, dirname, extname, join } from 'node:path'
import {
  FerryError,
  type FileEntry,
  type FileRole,
  isSafeRelativePath,
  isValidAlias,
  isValidName,
  LATEST,
  type ManifestDraft,
} from '@ferry/protocol'
import type { RegistryClient } from './client.js'
import { UsageError } from './exit-codes.js'
import { fileBody, fileSize, hashFile, readOnnxFile } from './files.js'
import type { OnnxSignature } from './onnx-signature.js'

/** Files named on the command line. */
export interface PublishFilesInput {
  /** Positional files: the first `.onnx` (else the first file) is the model; others get a role by their name. */
  files: string[]
  /** Files published with role `labels`. */
  labels?: string[]
  /** Files published with role `config`. */
  configs?: string[]
}

export interface PlannedFile {
  /** Where the file is on disk. */
  source: string
  /** Its path in the manifest. */
  path: string
  role: FileRole
}

export interface PublishPlan {
  files: PlannedFile[]
  signature: OnnxSignature
}

/** Progress of a publish, for display. */
export type PublishEvent =
  | { type: 'hashed'; path: string; digest: string; size: number; present: boolean }
  | { type: 'upload'; path: string; sent: number; size: number }
  | { type: 'uploaded'; path: string; size: number }

export interface PublishOptions {
  alias?: string | undefined
  /** The files already hashed by `hashPlanned` (skips hashing them again). */
  hashed?: HashedFile[]
  metadata?: Record<string, unknown>
  onEvent?: (event: PublishEvent) => void
}

export interface PublishResult {
  name: string
  version: number
  alias?: string
  files: (FileEntry & { uploaded: boolean })[]
}

const LABEL_NAME = /label|class|vocab|keys|names/i

/** Works out roles and manifest paths, checks every file exists and reads the model's signature. */
export async function planPublish(input: PublishFilesInput): Promise<PublishPlan> {
  const labels = input.labels ?? []
  const configs = input.configs ?? []
  if (input.files.length === 0) throw new UsageError('name at least one file to publish')
  const modelSource = input.files.find((f) => extname(f).toLowerCase() === '.onnx') ?? input.files[0]!
  for (const f of [...input.files, ...labels, ...configs]) await fileSize(f)
  const signature = await readOnnxFile(modelSource)

  const planned: PlannedFile[] = [{ source: modelSource, path: basename(modelSource), role: 'model' }]
  const externalByName = new Map(signature.externalData.map((loc) => [basename(loc), loc]))
  const givenExternal = new Set<string>()
  for (const f of input.files) {
    if (f === modelSource) continue
    const location = externalByName.get(basename(f))
    if (location) {
      planned.push({ source: f, path: location, role: 'external-data' })
      givenExternal.add(location)
    } else if (extname(f).toLowerCase() === '.onnx') {
      throw new UsageError(`${f}: a version has one model file; publish other models under their own names`)
    } else if (/\.(json|txt)$/i.test(f)) {
      planned.push({ source: f, path: basename(f), role: LABEL_NAME.test(basename(f)) ? 'labels' : 'config' })
    } else {
      throw new UsageError(
        `${f}: not an external-data file of ${basename(modelSource)}; pass labels with --label and config with --config`,
      )
    }
  }
  // External data the model references but that was not named: take it from next to the model file.
  for (const location of signature.externalData) {
    if (givenExternal.has(location)) continue
    const source = join(dirname(modelSource), location)
    try {
      await fileSize(source)
    } catch {
      throw new FerryError(
        'FILE_NOT_FOUND',
        `${basename(modelSource)} keeps weights in "${location}", which is not at ${source}; name it on the command line`,
      )
    }
    planned.push({ source, path: location, role: 'external-data' })
  }
  for (const f of labels) planned.push({ source: f, path: basename(f), role: 'labels' })
  for (const f of configs) planned.push({ source: f, path: basename(f), role: 'config' })

  const seen = new Set<string>()
  for (const p of planned) {
    if (!isSafeRelativePath(p.path))
      throw new UsageError(`${p.source}: "${p.path}" cannot be a manifest path`)
    if (seen.has(p.path)) throw new UsageError(`two files would both be published as "${p.path}"`)
    seen.add(p.path)
  }
  return { files: planned, signature }
}

/** Checks a model name and alias before any work is done; INVALID_NAME / INVALID_ALIAS. */
export function checkNames(name: string, alias?: string): void {
  if (!isValidName(name)) {
    throw new FerryError(
      'INVALID_NAME',
      `"${name}" is not a model name: use 1-64 of a-z 0-9 . _ - (lower case, no "..")`,
    )
  }
  if (alias !== undefined && !isValidAlias(alias)) {
    throw new FerryError(
      'INVALID_ALIAS',
      `"${alias}" is not an alias: start with a letter, then a-z 0-9 . _ -`,
    )
  }
  if (alias === LATEST) {
    throw new FerryError('INVALID_ALIAS', '"latest" always points to the highest version; pick another alias')
  }
}

/** The manifest draft for planned files whose digests are known. */
export function buildDraft(
  name: string,
  plan: PublishPlan,
  entries: FileEntry[],
  metadata: Record<string, unknown> = {},
): ManifestDraft {
  const { irVersion, opset, producer } = plan.signature.info
  return {
    schemaVersion: 1,
    name,
    format: 'onnx',
    files: entries,
    inputs: plan.signature.inputs,
    outputs: plan.signature.outputs,
    metadata: { onnx: { irVersion, opset, producer }, ...metadata },
  }
}

/** A planned file with its digest; `present` says whether the registry already has the blob. */
export type HashedFile = FileEntry & { source: string; present: boolean }

/** Hashes every planned file (streaming) and asks the registry which blobs it already has. */
export async function hashPlanned(
  client: RegistryClient,
  plan: PublishPlan,
  onEvent?: (e: PublishEvent) => void,
): Promise<HashedFile[]> {
  const out: HashedFile[] = []
  for (const f of plan.files) {
    const { digest, size } = await hashFile(f.source)
    const present = await client.hasBlob(digest)
    onEvent?.({ type: 'hashed', path: f.path, digest, size, present })
    out.push({ path: f.path, role: f.role, digest, size, source: f.source, present })
  }
  return out
}

/** Publishes planned files as the next version of `name`; uploads only missing blobs; sets `alias` if given. */
export async function publishPlan(
  client: RegistryClient,
  name: string,
  plan: PublishPlan,
  options: PublishOptions = {},
): Promise<PublishResult> {
  checkNames(name, options.alias)
  const { onEvent } = options
  const hashed = options.hashed ?? (await hashPlanned(client, plan, onEvent))
  for (const f of hashed) {
    if (f.present) continue
    onEvent?.({ type: 'upload', path: f.path, sent: 0, size: f.size })
    const body = fileBody(f.source, (sent) => onEvent?.({ type: 'upload', path: f.path, sent, size: f.size }))
    await client.uploadBlob(body, f.digest)
    onEvent?.({ type: 'uploaded', path: f.path, size: f.size })
  }
  const entries = hashed.map(({ path, role, digest, size }) => ({ path, role, digest, size }))
  const { version } = await client.publish(name, buildDraft(name, plan, entries, options.metadata))
  if (options.alias) await client.setAlias(name, options.alias, version)
  return {
    name,
    version,
    ...(options.alias ? { alias: options.alias } : {}),
    files: hashed.map(({ path, role, digest, size, present }) => ({
      path,
      role,
      digest,
      size,
      uploaded: !present,
    })),
  }
}
