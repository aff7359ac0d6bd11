/** `ferry store copy --from A --to B`: moves a registry's store between fs folders and S3 buckets. */
import { nodeSha256 } from '../adapter/node/hash.js'
import { copyStore } from '../store/copy.js'
import type { CliIO } from './commands.js'
import { formatBytes } from './format.js'
import { openStore } from './stores.js'

export interface StoreCopyFlags {
  from: string
  to: string
  s3Endpoint?: string
  json?: boolean
}

/** Copies every blob (digest-verified), version, deletion and alias; safe to run again to resume. */
export async function storeCopyCommand(flags: StoreCopyFlags, io: CliIO): Promise<void> {
  const from = openStore(flags.from, io, flags.s3Endpoint)
  const to = openStore(flags.to, io, flags.s3Endpoint)
  io.stderr.write(`copying ${from.label} -> ${to.label}\n`)
  const summary = await copyStore(from.store, to.store, {
    createHash: nodeSha256,
    onEvent: (e) => {
      if (e.type === 'blob' && e.copied) io.stderr.write(`blob ${e.digest} (${formatBytes(e.size)})\n`)
      if (e.type === 'version' && e.copied)
        io.stderr.write(`${e.name} version ${e.version}${e.deleted ? ' (deleted)' : ''}\n`)
    },
  })
  if (flags.json) return void io.stdout.write(`${JSON.stringify(summary, null, 2)}\n`)
  const { blobs, versions, aliases } = summary
  io.stdout.write(
    `Copied ${blobs.copied} blob${blobs.copied === 1 ? '' : 's'} (${formatBytes(blobs.bytes)}) and ${versions.copied} ` +
      `version${versions.copied === 1 ? '' : 's'}; ${blobs.skipped} blobs and ${versions.skipped} versions were ` +
      `already there; ${aliases} alias${aliases === 1 ? '' : 'es'} in place\n`,
  )
}
