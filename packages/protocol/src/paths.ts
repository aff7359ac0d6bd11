/** The registry's HTTP paths, built in one place so clients and server never drift apart. */

export const API_PREFIX = '/v1'

/** Where runtimes post telemetry (a constant of its own: a page's bundle needs only this path). */
export const TELEMETRY_PATH = `${API_PREFIX}/telemetry`

const enc = encodeURIComponent

export const paths = {
  health: () => `${API_PREFIX}/health`,
  models: () => `${API_PREFIX}/models`,
  model: (name: string) => `${API_PREFIX}/models/${enc(name)}`,
  versions: (name: string) => `${API_PREFIX}/models/${enc(name)}/versions`,
  version: (name: string, version: number) => `${API_PREFIX}/models/${enc(name)}/versions/${version}`,
  alias: (name: string, alias: string) => `${API_PREFIX}/models/${enc(name)}/aliases/${enc(alias)}`,
  blobs: () => `${API_PREFIX}/blobs`,
  blob: (digest: string) => `${API_PREFIX}/blobs/${digest}`,
  telemetry: () => TELEMETRY_PATH,
  metrics: () => '/metrics',
  openapi: () => `${API_PREFIX}/openapi.json`,
  docs: () => `${API_PREFIX}/docs`,
} as const

/** Registry listing answers. */
export interface ModelSummary {
  name: string
  latestVersion: number
  aliases: Record<string, number>
}
export interface ModelListing {
  models: ModelSummary[]
}
export interface VersionInfo {
  version: number
  createdAt: string
  size: number
}
export interface ModelDetail {
  name: string
  versions: VersionInfo[]
  aliases: Record<string, number>
}
