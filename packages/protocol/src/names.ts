/** Name, alias, version and digest rules shared by the registry, the CLI and the runtime. */

/** Model names: lower case, digits, `.`, `_`, `-`; 1 to 64 characters; never a path. */
export const NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,63}$/
/** Aliases follow the name rule but start with a letter, so `3` is always a version and never an alias. */
export const ALIAS_PATTERN = /^[a-z][a-z0-9._-]{0,63}$/
/** Content digests: `sha256:` and 64 lower-case hex digits. */
export const DIGEST_PATTERN = /^sha256:[0-9a-f]{64}$/
/** The alias every model has: its highest version. */
export const LATEST = 'latest'

export function isValidName(name: string): boolean {
  return NAME_PATTERN.test(name) && !name.includes('..')
}

export function isValidAlias(alias: string): boolean {
  return ALIAS_PATTERN.test(alias) && !alias.includes('..')
}

export function isValidDigest(digest: string): boolean {
  return DIGEST_PATTERN.test(digest)
}

/** Parses a version given as text (`"3"`); returns null for anything but a positive safe integer. */
export function parseVersion(text: string | number): number | null {
  if (typeof text === 'number') return Number.isSafeInteger(text) && text > 0 ? text : null
  if (!/^[1-9][0-9]{0,14}$/.test(text)) return null
  const n = Number(text)
  return Number.isSafeInteger(n) ? n : null
}

/** A file path inside a manifest: relative, `/`-separated, no `.`/`..` segments, no backslashes or NULs. */
export function isSafeRelativePath(path: string): boolean {
  if (path.length === 0 || path.length > 255) return false
  if (path.startsWith('/') || path.includes('\\') || path.includes('\0')) return false
  if (/^[a-zA-Z]:/.test(path)) return false
  return path.split('/').every((seg) => seg.length > 0 && seg !== '.' && seg !== '..')
}

/** Hex of a digest, without the algorithm prefix. */
export function digestHex(digest: string): string {
  return digest.slice('sha256:'.length)
}
