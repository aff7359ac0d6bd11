/** The shared Vitest suite every cache driver passes: `runCacheSuite(name, factory)`. */
import { describe, it } from 'vitest'
import { cacheCases, runCase } from './cases.js'
import type { DriverFactory } from './kit.js'

export type { DriverFactory } from './kit.js'

/** Registers every cache case against the driver `factory` makes (fresh storage per case). */
export function runCacheSuite(name: string, factory: DriverFactory): void {
  describe(`cache over ${name}`, () => {
    for (const c of Object.keys(cacheCases)) it(c, () => runCase(factory, c))
  })
}
