/** Validated path parameters: a bad one is a coded 400 and never reaches a store. */
import { FerryError, isValidAlias, isValidDigest, isValidName, parseVersion } from '@ferry/protocol'

export function nameParam(raw: string | undefined): string {
  const name = raw ?? ''
  if (!isValidName(name)) {
    throw new FerryError(
      'INVALID_NAME',
      `invalid model name "${name.slice(0, 80)}": use 1-64 of a-z 0-9 . _ - starting with a letter or digit`,
    )
  }
  return name
}

export function aliasParam(raw: string | undefined): string {
  const alias = raw ?? ''
  if (!isValidAlias(alias)) {
    throw new FerryError(
      'INVALID_ALIAS',
      `invalid alias "${alias.slice(0, 80)}": use 1-64 of a-z 0-9 . _ - starting with a letter`,
    )
  }
  return alias
}

export function versionParam(raw: string | number | undefined): number {
  const v = raw === undefined ? null : parseVersion(raw)
  if (v === null)
    throw new FerryError(
      'INVALID_VERSION',
      `invalid version "${String(raw).slice(0, 40)}": use a positive integer`,
    )
  return v
}

export function digestParam(raw: string | undefined): string {
  const d = raw ?? ''
  if (!isValidDigest(d)) {
    throw new FerryError(
      'INVALID_DIGEST',
      `invalid digest "${d.slice(0, 80)}": use sha256:<64 lower-case hex>`,
    )
  }
  return d
}
