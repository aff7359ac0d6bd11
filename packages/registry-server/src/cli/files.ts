/** Node file helpers for publishing: existence checks, streaming sha256, streamed upload bodies with progress. */
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { readFile, stat } from 'node:fs/promises'
import { Readable } from 'node:stream'
import { FerryError } from '@ferry/protocol'
import { type OnnxSignature, readOnnxSignature } from './onnx-signature.js'

/** Size of a regular file; FILE_NOT_FOUND when it is missing or not a file. */
export async function fileSize(path: string): Promise<number> {
  try {
    const s = await stat(path)
    if (!s.isFile()) throw new FerryError('FILE_NOT_FOUND', `${path} is not a file`)
    return s.size
  } catch (err) {
    if (err instanceof FerryError) throw err
    throw new FerryError('FILE_NOT_FOUND', `file ${path} does not exist or cannot be read`, { cause: err })
  }
}

/** sha256 of a file, read as a stream (never whole in memory): `{ digest: 'sha256:…', size }`. */
export async function hashFile(path: string): Promise<{ digest: string; size: number }> {
  await fileSize(path)
  const hash = createHash('sha256')
  let size = 0
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    hash.update(chunk as Buffer)
    size += (chunk as Buffer).byteLength
  }
  return { digest: `sha256:${hash.digest('hex')}`, size }
}

/** A file as a web stream, calling `onBytes(sent)` as chunks are pulled by the uploader. */
export function fileBody(path: string, onBytes?: (sent: number) => void): ReadableStream<Uint8Array> {
  const source = Readable.toWeb(
    createReadStream(path, { highWaterMark: 1 << 20 }),
  ) as ReadableStream<Uint8Array>
  if (!onBytes) return source
  let sent = 0
  return source.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        sent += chunk.byteLength
        onBytes(sent)
        controller.enqueue(chunk)
      },
    }),
  )
}

/** Reads an ONNX file's signature; FILE_NOT_FOUND or NOT_ONNX on failure. */
export async function readOnnxFile(path: string): Promise<OnnxSignature> {
  await fileSize(path)
  return readOnnxSignature(await readFile(path), path)
}
