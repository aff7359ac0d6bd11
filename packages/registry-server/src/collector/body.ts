/** Reads a telemetry body as text under the collector's byte cap (see http/body.ts). */
import { FerryError } from '@ferry/protocol'
import { readCappedBytes } from '../http/body.js'

const decoder = new TextDecoder()

/** The body of `req` as UTF-8 text; `PAYLOAD_TOO_LARGE` past `maxBytes`, checked while streaming. */
export async function readCappedText(req: Request, maxBytes: number): Promise<string> {
  const bytes = await readCappedBytes(
    req,
    maxBytes,
    () =>
      new FerryError(
        'PAYLOAD_TOO_LARGE',
        `telemetry body is larger than ${maxBytes} bytes; send smaller batches`,
      ),
  )
  return decoder.decode(bytes)
}
