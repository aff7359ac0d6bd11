// Types for cluster.mjs (imported by the TypeScript test setups).
export const INSTALL_HINT: string

export interface CephCluster {
  endpoint: string
  endpoints: string[]
  region: string
  accessKeyId: string
  secretAccessKey: string
  bucket: string
  dir: string
  /** AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION, AWS_ENDPOINT_URL_S3 for the first endpoint. */
  env: Record<string, string>
  stop(): Promise<void>
}

export function startCeph(options?: { frontends?: number; bucket?: string }): Promise<CephCluster>
