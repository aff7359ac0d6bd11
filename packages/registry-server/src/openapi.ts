/** The registry's OpenAPI 3.1 description, served at GET /v1/openapi.json. */
import { DTYPES, FILE_ROLES } from '@ferry/protocol'

const json = (schema: object) => ({ 'application/json': { schema } })
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` })
const err = (description: string) => ({ description, content: json(ref('Error')) })
const E = {
  400: err(
    'Bad input (INVALID_NAME, INVALID_VERSION, INVALID_ALIAS, INVALID_DIGEST, INVALID_MANIFEST, INVALID_JSON)',
  ),
  401: err('No bearer token (UNAUTHORIZED)'),
  403: err('Token not accepted, or a write call from a browser page on an origin not allowed (FORBIDDEN)'),
  404: err('Unknown model, version, alias or blob'),
  408: err('Request took too long (TIMEOUT)'),
  413: err('Body over the configured limit (PAYLOAD_TOO_LARGE)'),
  503: err(
    'The store cannot be used right now: read-only, I/O error, … (STORE_UNAVAILABLE), or the registry serves as many connections as it may (SERVER_BUSY, Retry-After); retry later',
  ),
  507: err('The store is out of space (STORE_FULL); nothing was stored'),
}
const param = (name: string, description: string, schema: object = { type: 'string' }) => ({
  name,
  in: 'path',
  required: true,
  description,
  schema,
})
const NAME = param('name', 'Model name', ref('Name'))
const VERSION = param('version', 'Version number', { type: 'integer', minimum: 1 })
const ALIAS = param('alias', 'Alias; `latest` is built in (the highest version)', ref('Alias'))
const DIGEST = param('digest', 'Content digest', ref('Digest'))
const bearer = [{ bearer: [] }]
const etag = { ETag: { schema: { type: 'string' } } }
/** GET of a manifest, by version or by alias: the same answers, conditional with If-None-Match. */
const manifestGet = (summary: string, parameters: object[]) => ({
  summary,
  parameters,
  responses: {
    200: { description: 'Manifest', headers: etag, content: json(ref('Manifest')) },
    304: { description: 'Not modified (If-None-Match)' },
    400: E[400],
    404: E[404],
  },
})

const tensor = {
  type: 'object',
  required: ['name', 'dtype', 'shape'],
  properties: {
    name: { type: 'string' },
    dtype: { enum: [...DTYPES] },
    shape: { type: 'array', items: { oneOf: [{ type: 'integer', minimum: 0 }, { type: 'string' }] } },
  },
}
const draftProps = {
  schemaVersion: { const: 1 },
  name: ref('Name'),
  format: { type: 'string', pattern: '^[a-z0-9][a-z0-9._-]{0,31}$', examples: ['onnx'] },
  files: {
    type: 'array',
    minItems: 1,
    items: {
      type: 'object',
      required: ['path', 'role', 'digest', 'size'],
      properties: {
        path: { type: 'string', description: 'Relative, "/"-separated, no ".." segments' },
        role: { enum: [...FILE_ROLES] },
        digest: ref('Digest'),
        size: { type: 'integer', minimum: 0 },
      },
    },
  },
  inputs: { type: 'array', items: tensor },
  outputs: { type: 'array', items: tensor },
  runtime: { type: 'object' },
  metadata: {
    type: 'object',
    description:
      'Free-form JSON, at most 64 KiB; the manifest nests at most 32 levels; keys "__proto__", "constructor" and "prototype" are refused anywhere',
  },
}

/** The OpenAPI document (a plain object; no I/O). */
export const openApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'Ferry registry',
    version: '0.1.0',
    description:
      'Versioned, content-addressed model registry. Blobs are stored once by digest; a version manifest lists the files it uses. Errors are {"error":{"code","message"}}.',
  },
  servers: [{ url: '/' }],
  components: {
    securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
    schemas: {
      Name: { type: 'string', pattern: '^[a-z0-9][a-z0-9._-]{0,63}$' },
      Alias: { type: 'string', pattern: '^[a-z][a-z0-9._-]{0,63}$' },
      Digest: { type: 'string', pattern: '^sha256:[0-9a-f]{64}$' },
      Error: {
        type: 'object',
        required: ['error'],
        properties: {
          error: {
            type: 'object',
            required: ['code', 'message'],
            properties: { code: { type: 'string' }, message: { type: 'string' } },
          },
        },
      },
      ManifestDraft: {
        type: 'object',
        required: ['schemaVersion', 'format', 'files', 'inputs', 'outputs'],
        properties: draftProps,
      },
      Manifest: {
        type: 'object',
        required: ['schemaVersion', 'name', 'version', 'format', 'files', 'inputs', 'outputs', 'createdAt'],
        properties: {
          ...draftProps,
          version: { type: 'integer', minimum: 1 },
          createdAt: { type: 'string', format: 'date-time' },
        },
      },
    },
  },
  paths: {
    '/v1/health': {
      get: {
        summary: 'Liveness',
        responses: { 200: { description: '{"status":"ok"}', content: json({ type: 'object' }) } },
      },
    },
    '/v1/models': {
      get: {
        summary: 'List models with their latest version and aliases',
        responses: {
          200: {
            description: '{"models":[{"name","latestVersion","aliases"}]}',
            content: json({ type: 'object' }),
          },
        },
      },
    },
    '/v1/models/{name}': {
      get: {
        summary: 'A model: its versions (version, createdAt, size) and aliases',
        parameters: [NAME],
        responses: {
          200: { description: 'Model detail', content: json({ type: 'object' }) },
          400: E[400],
          404: E[404],
        },
      },
    },
    '/v1/models/{name}/versions': {
      post: {
        summary: 'Publish the next version (every blob must already exist)',
        security: bearer,
        parameters: [NAME],
        requestBody: { required: true, content: json(ref('ManifestDraft')) },
        responses: {
          201: {
            description: '{"version": n}',
            content: json({ type: 'object', properties: { version: { type: 'integer' } } }),
          },
          400: E[400],
          401: E[401],
          403: E[403],
          413: E[413],
          422: err('A referenced blob is missing or has another size (BLOB_MISSING)'),
          503: E[503],
          507: E[507],
        },
      },
    },
    '/v1/models/{name}/versions/{version}': {
      get: manifestGet('A version manifest (immutable)', [NAME, VERSION]),
      delete: {
        summary: 'Delete a version (its number is never reused)',
        security: bearer,
        parameters: [NAME, VERSION],
        responses: {
          204: { description: 'Deleted' },
          400: E[400],
          401: E[401],
          403: E[403],
          404: E[404],
          409: err('An alias points to this version (ALIAS_IN_USE)'),
        },
      },
    },
    '/v1/models/{name}/aliases/{alias}': {
      get: manifestGet('Manifest of the version an alias points to (no-cache, ETag)', [NAME, ALIAS]),
      put: {
        summary: 'Point an alias at a version (not `latest`)',
        security: bearer,
        parameters: [NAME, ALIAS],
        requestBody: {
          required: true,
          content: json({
            type: 'object',
            required: ['version'],
            properties: { version: { type: 'integer', minimum: 1 } },
          }),
        },
        responses: {
          200: { description: '{"name","alias","version"}' },
          400: E[400],
          401: E[401],
          403: E[403],
          404: E[404],
        },
      },
      delete: {
        summary: 'Remove an alias (not `latest`)',
        security: bearer,
        parameters: [NAME, ALIAS],
        responses: { 204: { description: 'Removed' }, 400: E[400], 401: E[401], 403: E[403], 404: E[404] },
      },
    },
    '/v1/blobs': {
      post: {
        summary: 'Upload a blob as a raw streamed body; hashed while stored',
        security: bearer,
        parameters: [
          {
            name: 'digest',
            in: 'query',
            required: false,
            description: 'Expected digest; verified',
            schema: ref('Digest'),
          },
        ],
        requestBody: {
          required: true,
          content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } },
        },
        responses: {
          201: { description: '{"digest","size"}', content: json({ type: 'object' }) },
          400: E[400],
          401: E[401],
          403: E[403],
          408: E[408],
          413: E[413],
          422: err('Bytes do not hash to ?digest= (DIGEST_MISMATCH); nothing stored'),
          503: E[503],
          507: E[507],
        },
      },
    },
    '/v1/blobs/{digest}': {
      get: {
        summary: 'Blob bytes (immutable; Range supported)',
        parameters: [DIGEST, { name: 'Range', in: 'header', required: false, schema: { type: 'string' } }],
        responses: {
          200: { description: 'Bytes', headers: etag, content: { 'application/octet-stream': {} } },
          206: { description: 'Partial bytes with Content-Range' },
          304: { description: 'Not modified (If-None-Match)' },
          400: E[400],
          404: E[404],
          416: err('Range not satisfiable; Content-Range: bytes */size'),
          503: E[503],
        },
      },
      head: {
        summary: 'Blob size and ETag without the bytes',
        parameters: [DIGEST],
        responses: { 200: { description: 'Headers only' }, 404: { description: 'Absent' } },
      },
    },
    '/v1/telemetry': {
      post: {
        summary: 'A batch of client telemetry events (open CORS)',
        requestBody: { required: true, content: json({ type: 'object' }) },
        responses: {
          202: { description: 'Accepted' },
          400: err('Malformed batch (INVALID_TELEMETRY)'),
          413: E[413],
        },
      },
    },
    '/metrics': {
      get: {
        summary: 'Prometheus text exposition (server and collector series)',
        responses: { 200: { description: 'text/plain; version=0.0.4' } },
      },
    },
    '/v1/openapi.json': {
      get: { summary: 'This document', responses: { 200: { description: 'OpenAPI 3.1' } } },
    },
    '/v1/docs': { get: { summary: 'Human-readable API page', responses: { 200: { description: 'HTML' } } } },
  },
} as const
