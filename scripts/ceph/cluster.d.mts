// Types for cluster.mjs (imported by the TypeScript test setups).
export const INSTALL_HINT: string

/** What tests need of a running cluster (the JSON `startCephInBackground` writes). */
export interface CephEndpoint {
  endpoint: string
  endpoints: string[]
  region: string
  accessKeyId: string
  secretAccessKey: string
  bucket: string
}

export interface CephCluster extends CephEndpoint {
  dir: string
  /** AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION, AWS_ENDPOINT_URL_S3 for the first endpoint. */
  env: Record<string, string>
  stop(): Promise<void>
}

export function startCeph(options?: { frontends?: number; bucket?: string }): Promise<CephCluster>

export function startCephInBackground(file: string): () => Promise<void>

export function waitForCeph(file: string): Promise<CephEndpoint>

export function storeConfigFor(
  endpoint: CephEndpoint,
  prefix: string,
): Pick<CephEndpoint, 'bucket' | 'region' | 'accessKeyId' | 'secretAccessKey' | 'endpoint'> & {
  prefix: string
}
