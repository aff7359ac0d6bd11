/** The bytes tier's default budget from `navigator.storage.estimate()`, and `persist()` on request. */
import { storageManager } from '../platform/globals.js'

/** Share of the origin's quota the cache takes by default. */
export const QUOTA_SHARE = 0.5
/** Ceiling of the default budget, whatever the quota. */
export const MAX_DEFAULT_BUDGET = 4 * 1024 ** 3
/** Default budget where the platform reports no quota. */
export const FALLBACK_BUDGET = 1024 ** 3

const storage = storageManager

/** What the platform reports for this origin, or {} where it cannot say. */
export async function storageEstimate(): Promise<{ quota?: number; usage?: number }> {
  try {
    const e = await storage()?.estimate?.()
    return { ...(e?.quota ? { quota: e.quota } : {}), ...(e?.usage !== undefined ? { usage: e.usage } : {}) }
  } catch {
    return {}
  }
}

/** min(QUOTA_SHARE of the quota, MAX_DEFAULT_BUDGET); FALLBACK_BUDGET when no quota is known. */
export function defaultBudget(quota: number | undefined): number {
  return quota ? Math.min(Math.floor(quota * QUOTA_SHARE), MAX_DEFAULT_BUDGET) : FALLBACK_BUDGET
}

/** Asks the browser not to clear this origin's storage under pressure; false where refused or absent. */
export async function requestPersistence(): Promise<boolean> {
  try {
    const s = storage()
    if (!s?.persist) return false
    return (await s.persisted?.()) || (await s.persist())
  } catch {
    return false
  }
}
