/**
 * The gRPC listener (Node): `inference.GRPCInferenceService` from the project's own proto, served over
 * HTTP/2 cleartext with @grpc/grpc-js + @grpc/proto-loader (the same pair any Node OIP client uses, so the
 * server needs no code generation step). Every call goes to the same EdgeCore as REST.
 */
import { timingSafeEqual } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { FerryError } from '@ferry/protocol'
import * as grpc from '@grpc/grpc-js'
import * as protoLoader from '@grpc/proto-loader'
import type { EdgeCore } from '../core.js'
import { infer } from '../oip/infer.js'
import { modelMetadata, versionsOf } from '../routes/metadata.js'
import {
  decodeGrpcRequest,
  encodeGrpcResponse,
  type GrpcInferRequest,
  grpcStatus,
  Status,
} from './convert.js'

/** Where the project's .proto is. */
export const PROTO_PATH = fileURLToPath(new URL('../../proto/grpc_predict_v2.proto', import.meta.url))

/** proto-loader options both the server and the tests' generic client use. */
export const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  arrays: true,
  oneofs: true,
}

/** Loads the service definition. */
export function loadService(): grpc.ServiceClientConstructor {
  const def = protoLoader.loadSync(PROTO_PATH, LOADER_OPTIONS)
  const pkg = grpc.loadPackageDefinition(def) as unknown as {
    inference: { GRPCInferenceService: grpc.ServiceClientConstructor }
  }
  return pkg.inference.GRPCInferenceService
}

export interface GrpcServer {
  port: number
  close(): Promise<void>
}

type Unary = (call: grpc.ServerUnaryCall<never, unknown>, cb: grpc.sendUnaryData<unknown>) => void

function respond<T>(cb: grpc.sendUnaryData<unknown>, work: () => Promise<T>): void {
  work().then(
    (r) => cb(null, r),
    (err) =>
      cb({
        code: grpcStatus(err),
        details: err instanceof Error ? err.message : String(err),
      } as grpc.ServiceError),
  )
}

function checkToken(token: string | undefined, md: grpc.Metadata): void {
  if (!token) return
  const got = String(md.get('authorization')[0] ?? '')
  const want = Buffer.from(`Bearer ${token}`)
  const have = Buffer.from(got)
  if (!got) throw new FerryError('UNAUTHORIZED', 'this call needs metadata "authorization: Bearer <token>"')
  if (have.length !== want.length || !timingSafeEqual(have, want))
    throw new FerryError('UNAUTHORIZED', 'token not accepted')
}

/** Starts the gRPC listener on `host:port` (0: a free port). */
export async function startGrpc(
  core: EdgeCore,
  host: string,
  port: number,
  maxMessageBytes: number,
): Promise<GrpcServer> {
  const service = loadService()
  const server = new grpc.Server({
    'grpc.max_receive_message_length': maxMessageBytes,
    'grpc.max_send_message_length': -1,
  })
  const token = core.options.token
  const handlers: Record<string, Unary> = {
    ServerLive: (_call, cb) => cb(null, { live: true }),
    ServerReady: (_call, cb) => cb(null, { ready: core.isReady() }),
    ModelReady: (call, cb) => {
      const req = call.request as { name: string; version: string }
      cb(null, { ready: core.models.peek(req.name, req.version || undefined) !== null })
    },
    ServerMetadata: (_call, cb) => {
      const m = core.serverMetadata()
      cb(null, { name: m.name, version: m.version, extensions: m.extensions })
    },
    ModelMetadata: (call, cb) =>
      respond(cb, async () => {
        const req = call.request as { name: string; version: string }
        const lease = await core.models.acquire(req.name, req.version || undefined)
        try {
          const m = modelMetadata(lease.model, await versionsOf(core, lease.model.name))
          return {
            name: m.name,
            versions: m.versions,
            platform: m.platform,
            inputs: m.inputs,
            outputs: m.outputs,
          }
        } finally {
          lease.release()
        }
      }),
    ModelInfer: (call, cb) =>
      respond(cb, async () => {
        checkToken(token, call.metadata)
        const msg = call.request as GrpcInferRequest
        if (!msg.model_name) throw new FerryError('BAD_REQUEST', 'model_name is required')
        const ac = new AbortController()
        call.on('cancelled', () => ac.abort())
        const decoded = decodeGrpcRequest(msg)
        const result = await infer(core, msg.model_name, msg.model_version || undefined, decoded, ac.signal)
        return encodeGrpcResponse(result, (msg.raw_input_contents ?? []).length > 0)
      }),
  }
  server.addService(service.service, handlers as grpc.UntypedServiceImplementation)
  const bound = await new Promise<number>((resolve, reject) =>
    server.bindAsync(
      `${host.includes(':') ? `[${host}]` : host}:${port}`,
      grpc.ServerCredentials.createInsecure(),
      (err, p) => (err ? reject(err) : resolve(p)),
    ),
  )
  return {
    port: bound,
    close: () =>
      new Promise<void>((resolve) => {
        server.tryShutdown(() => resolve())
        setTimeout(() => {
          server.forceShutdown()
          resolve()
        }, 2000).unref()
      }),
  }
}

export { Status }
