/**
 * REST bodies with Triton's binary tensor data extension: a JSON header of `Inference-Header-Content-Length`
 * bytes, then each binary tensor in order. Requests and answers have the same layout, so Ferry Edge and the
 * runtime's edge client both split and join bodies here.
 */
import { FerryError } from '../errors.js'

/** The header that gives the JSON part's length in bytes (lower case, as `Headers` returns names). */
export const HEADER_LENGTH = 'inference-header-content-length'

/**
 * Splits a body into its JSON header and binary part, by `Inference-Header-Content-Length` (absent: all
 * JSON; `0`: all binary, `json` null). `what` names the body in errors ("the request body").
 */
export function splitBody(
  bytes: Uint8Array,
  headerLength: string | undefined,
  what = 'the request body',
): { json: unknown; binary: Uint8Array | null } {
  let n = bytes.byteLength
  if (headerLength !== undefined) {
    if (!/^\d+$/.test(headerLength.trim()) || Number(headerLength) > bytes.byteLength)
      throw new FerryError(
        'BAD_REQUEST',
        `Inference-Header-Content-Length must be a byte count between 0 and the body's ${bytes.byteLength} bytes, got "${headerLength}"`,
      )
    n = Number(headerLength)
    if (n === 0) return { json: null, binary: bytes }
  }
  let json: unknown
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, n)))
  } catch (e) {
    throw new FerryError(
      'INVALID_JSON',
      `${what}${headerLength !== undefined ? `'s first ${n} bytes (Inference-Header-Content-Length)` : ''} is not valid JSON: ${(e as Error).message}`,
    )
  }
  return { json, binary: headerLength === undefined ? null : bytes.subarray(n) }
}

/** A binary-extension body: `json` (the header's text) then `blobs` in order, and the header's byte length. */
export function joinBody(
  json: string,
  blobs: readonly Uint8Array[],
): { body: Uint8Array<ArrayBuffer>; headerLength: number } {
  const head = new TextEncoder().encode(json)
  const body = new Uint8Array(head.byteLength + blobs.reduce((n, b) => n + b.byteLength, 0))
  body.set(head)
  let at = head.byteLength
  for (const b of blobs) {
    body.set(b, at)
    at += b.byteLength
  }
  return { body, headerLength: head.byteLength }
}
