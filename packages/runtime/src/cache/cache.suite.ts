/** The shared Vitest suite every cache driver passes: `runCacheSuite(name, factory)`. */
import { describe, it } from 'vitest'
import { cacheCases, type DriverFactory, runCase } from './cache-cases.suite.js'

export type { DriverFactory } from './cache-cases.suite.js'

/** Registers every cache case against the driver `factory` makes (fresh storage per case). */
export function runCacheSuite(name: string, factory: DriverFactory): void {
  describe(`cache over ${name}`, () => {
    for (const c of Object.keys(cacheCases)) it(c, () => runCase(factory, c))
  })
}
