/**
 * Crash-safe small writes for the fs store: a file is written aside and fsynced before it is linked or
 * renamed into place, and the directory is fsynced after, so a manifest or model document that a reader
 * saw survives a power cut. `open` is passed in so tests can watch the syncs happen.
 */
import { open as fsOpen } from 'node:fs/promises'

export type OpenFile = typeof fsOpen

/** Writes `data` to a new file at `path` ('wx': never over another) and fsyncs it. */
export async function writeSynced(open: OpenFile, path: string, data: string): Promise<void> {
  const fh = await open(path, 'wx')
  try {
    await fh.writeFile(data)
    await fh.sync()
  } finally {
    await fh.close()
  }
}

/** Fsyncs a directory, so the names just linked or renamed into it are on disk. */
export async function syncDir(open: OpenFile, dir: string): Promise<void> {
  const fh = await open(dir, 'r')
  try {
    await fh.sync()
  } finally {
    await fh.close()
  }
}

export { fsOpen }
