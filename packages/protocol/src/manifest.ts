/** The manifest's schemas (valibot): what the registry accepts and the runtime trusts. */
import * as v from 'valibot'
import {
  BACKENDS,
  DTYPES,
  FILE_ROLES,
  FORMAT_PATTERN,
  MAX_FILES,
  MAX_METADATA_BYTES,
  MAX_TENSORS,
} from './constants.js'
import { FerryError } from './errors.js'
import { jsonShapeProblem } from './json-shape.js'
import { isSafeRelativePath, isValidDigest, isValidName } from './names.js'

const SymbolicDim = v.pipe(v.string(), v.minLength(1), v.maxLength(64))
const StaticDim = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(2 ** 31))
export const DimSchema = v.union([StaticDim, SymbolicDim])

export const TensorSpecSchema = v.strictObject({
  name: v.pipe(v.string(), v.minLength(1), v.maxLength(256)),
  dtype: v.picklist(DTYPES, 'dtype must be one of ONNX Runtime tensor types'),
  shape: v.pipe(v.array(DimSchema), v.maxLength(16)),
})

export const FileEntrySchema = v.strictObject({
  path: v.pipe(
    v.string(),
    v.check(isSafeRelativePath, 'path must be relative, without "..", "." or backslashes'),
  ),
  role: v.picklist(FILE_ROLES),
  digest: v.pipe(v.string(), v.check(isValidDigest, 'digest must be sha256:<64 hex>')),
  size: v.pipe(v.number(), v.integer(), v.minValue(0)),
})

export const BatchingSchema = v.strictObject({
  maxBatchSize: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(4096)),
  maxDelayMs: v.pipe(v.number(), v.minValue(0), v.maxValue(10_000)),
})

export const RuntimeHintsSchema = v.object({
  backends: v.optional(v.pipe(v.array(v.picklist(BACKENDS)), v.minLength(1), v.maxLength(4))),
  batching: v.optional(BatchingSchema),
})

const jsonBytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value)).byteLength

const Metadata = v.pipe(
  v.record(v.string(), v.unknown()),
  v.check(
    (m) => jsonBytes(m) <= MAX_METADATA_BYTES,
    (issue) => `is ${jsonBytes(issue.input)} bytes as JSON; at most ${MAX_METADATA_BYTES} are allowed`,
  ),
)

/**
 * Runs before the object schema sees the document: no prototype keys anywhere (valibot's object schemas
 * would drop them silently) and bounded nesting (so storing, hashing and serving it cannot overflow the stack).
 */
const WellShaped = v.check(
  (input: unknown) => jsonShapeProblem(input) === null,
  (issue) => `manifest ${jsonShapeProblem(issue.input)}`,
)

type FileList = v.InferOutput<typeof FileEntrySchema>[]
const uniquePaths = (files: FileList) => new Set(files.map((f) => f.path)).size === files.length
const oneModelFile = (files: FileList) => files.filter((f) => f.role === 'model').length === 1

const FilesSchema = v.pipe(
  v.array(FileEntrySchema),
  v.minLength(1, 'files must not be empty'),
  v.maxLength(MAX_FILES),
  v.check(uniquePaths, 'file paths must be unique'),
  v.check(oneModelFile, 'exactly one file must have role "model"'),
)

const draftEntries = {
  schemaVersion: v.literal(1),
  format: v.pipe(v.string(), v.regex(FORMAT_PATTERN, 'format must be a format name such as "onnx"')),
  files: FilesSchema,
  inputs: v.pipe(v.array(TensorSpecSchema), v.maxLength(MAX_TENSORS)),
  outputs: v.pipe(v.array(TensorSpecSchema), v.maxLength(MAX_TENSORS)),
  runtime: v.optional(RuntimeHintsSchema),
  metadata: v.optional(Metadata),
}

/** What a publisher sends: a manifest without `version` and `createdAt` (the server assigns them). */
export const ManifestDraftSchema = v.pipe(
  v.unknown(),
  WellShaped,
  v.strictObject({
    ...draftEntries,
    name: v.optional(v.pipe(v.string(), v.check(isValidName, 'invalid model name'))),
  }),
)

/** A stored, published manifest. */
export const ManifestSchema = v.pipe(
  v.unknown(),
  WellShaped,
  v.strictObject({
    ...draftEntries,
    name: v.pipe(v.string(), v.check(isValidName, 'invalid model name')),
    version: v.pipe(v.number(), v.integer(), v.minValue(1)),
    createdAt: v.pipe(v.string(), v.isoTimestamp()),
  }),
)

export type TensorSpec = v.InferOutput<typeof TensorSpecSchema>
export type FileEntry = v.InferOutput<typeof FileEntrySchema>
export type RuntimeHints = v.InferOutput<typeof RuntimeHintsSchema>
export type ManifestDraft = v.InferOutput<typeof ManifestDraftSchema>
export type Manifest = v.InferOutput<typeof ManifestSchema>
export type Dim = v.InferOutput<typeof DimSchema>

function describeIssues(issues: readonly v.BaseIssue<unknown>[]): string {
  return issues
    .slice(0, 5)
    .map((i) => {
      const path = i.path?.map((p) => String(p.key)).join('.') ?? ''
      return path ? `${path}: ${i.message}` : i.message
    })
    .join('; ')
}

/** Validates a publisher's draft; throws `INVALID_MANIFEST` naming the first problems. */
export function parseManifestDraft(input: unknown): ManifestDraft {
  const r = v.safeParse(ManifestDraftSchema, input)
  if (!r.success) throw new FerryError('INVALID_MANIFEST', `invalid manifest: ${describeIssues(r.issues)}`)
  return r.output
}

/** Validates a published manifest (from the registry or a cache); throws `INVALID_MANIFEST`. */
export function parseManifest(input: unknown): Manifest {
  const r = v.safeParse(ManifestSchema, input)
  if (!r.success) throw new FerryError('INVALID_MANIFEST', `invalid manifest: ${describeIssues(r.issues)}`)
  return r.output
}
