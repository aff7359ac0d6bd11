/**
 * The fs store's per-model document (`store/model-doc.ts`), kept as numbered generations:
 * `models/<name>/state/<n>.json`. A change writes generation n+1 aside and hard-links it into place;
 * link() fails when the name exists, so of two writers that read generation n only one lands (a
 * compare-and-swap that needs no lock, so a killed process can never leave one held). Readers take the
 * highest generation; old ones are pruned. A store from before this layout (aliases/<alias>.json and
 * versions/<n>.deleted files) is read as generation 0 and carried over on its first change.
 */
import { link, readdir, readFile, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import { isValidAlias } from '@ferry/protocol'
import { type DocStorage, emptyDoc, type ModelDoc, parseModelDoc } from '../../store/model-doc.js'
import { type OpenFile, syncDir, writeSynced } from './durable.js'

/** Generations kept behind the newest (readers that listed a moment ago can still read theirs). */
const KEEP = 4

const isCode = (err: unknown, code: string) => (err as NodeJS.ErrnoException | null)?.code === code

async function readdirOrEmpty(p: string): Promise<string[]> {
  try {
    return await readdir(p)
  } catch (err) {
    if (isCode(err, 'ENOENT')) return []
    throw err
  }
}

function generations(entries: string[]): number[] {
  return entries
    .map((e) => /^([1-9][0-9]*)\.json$/.exec(e)?.[1])
    .filter((g): g is string => g !== undefined)
    .map(Number)
    .sort((a, b) => a - b)
}

/** The pre-generation layout, read as generation 0. */
async function legacyDoc(modelDir: string): Promise<ModelDoc> {
  const doc = emptyDoc()
  const aliasDir = join(modelDir, 'aliases')
  for (const e of (await readdirOrEmpty(aliasDir)).sort()) {
    const alias = e.endsWith('.json') ? e.slice(0, -5) : ''
    if (!isValidAlias(alias)) continue
    const v = (JSON.parse(await readFile(join(aliasDir, e), 'utf8')) as { version?: unknown }).version
    if (typeof v === 'number') doc.aliases[alias] = v
  }
  for (const e of await readdirOrEmpty(join(modelDir, 'versions'))) {
    const m = /^([1-9][0-9]*)\.deleted$/.exec(e)
    if (m) doc.deleted.push(Number(m[1]))
  }
  doc.deleted.sort((a, b) => a - b)
  return doc
}

/**
 * Document storage under `modelsDir/<name>/state`; `modelDir(name)` checks the name, `tmpFile()` gives a
 * fresh staging path on the same filesystem.
 */
export function fsDocStorage(
  modelDir: (name: string) => string,
  tmpFile: () => Promise<string>,
  open: OpenFile,
  mkdirp: (dir: string) => Promise<unknown>,
): DocStorage<number> {
  return {
    async read(name) {
      const dir = join(modelDir(name), 'state')
      for (let attempt = 0; ; attempt++) {
        const top = generations(await readdirOrEmpty(dir)).at(-1)
        if (top === undefined) return { doc: await legacyDoc(modelDir(name)), tag: null }
        const file = join(dir, `${top}.json`)
        try {
          return { doc: parseModelDoc(await readFile(file, 'utf8'), file), tag: top }
        } catch (err) {
          // Pruned between the listing and the read: a newer generation exists, list again.
          if (!isCode(err, 'ENOENT') || attempt > 20) throw err
        }
      }
    },

    async write(name, doc, tag) {
      const dir = join(modelDir(name), 'state')
      const next = (tag ?? 0) + 1
      await mkdirp(dir)
      const tmp = await tmpFile()
      try {
        await writeSynced(open, tmp, JSON.stringify(doc))
        await link(tmp, join(dir, `${next}.json`))
      } catch (err) {
        if (isCode(err, 'EEXIST')) return false
        throw err
      } finally {
        await unlink(tmp).catch(() => {})
      }
      await syncDir(open, dir)
      for (const g of generations(await readdirOrEmpty(dir))) {
        if (g < next - KEEP) await unlink(join(dir, `${g}.json`)).catch(() => {})
      }
      return true
    },
  }
}
