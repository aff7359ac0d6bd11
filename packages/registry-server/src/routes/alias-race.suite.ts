/**
 * Hardening finding 1, as a test every store runs through the app: an alias PUT racing a DELETE of the
 * version it names. Linearizable answers are "PUT then DELETE" (the DELETE gets 409, the alias stands) or
 * "DELETE then PUT" (the PUT gets 404); both succeeding leaves an alias pointing at a deleted version.
 */
import { describe, expect, it } from 'vitest'
import type { BlobStore } from '../store/types.js'
import { auth, bytesOf, setup } from './fixture.suite.js'

/** Registers the race for a driver; `factory` returns a fresh, empty store. */
export function runAliasRaceSuite(
  driver: string,
  factory: () => Promise<BlobStore> | BlobStore,
  rounds = 150,
  timeoutMs = 60_000,
  /** Each call starts after a random delay up to this, so two slow paths (a networked store) overlap. */
  jitterMs = 0,
): void {
  describe(`alias PUT racing version DELETE: ${driver}`, () => {
    it(
      `never leaves an alias on a deleted version (${rounds} races)`,
      async () => {
        const { req, upload, publish, setAlias } = setup({ store: await factory() })
        const { body } = await upload(bytesOf(100))
        const draft = {
          schemaVersion: 1,
          format: 'onnx',
          files: [{ path: 'model.onnx', role: 'model', digest: body.digest, size: body.size }],
          inputs: [],
          outputs: [],
        }
        const broken: string[] = []
        for (let round = 0; round < rounds; round++) {
          const pub = await publish('race', draft)
          const { version } = (await pub.json()) as { version: number }
          // In-process stores finish each step in a microtask, so the second call starts a different number
          // of ticks after the first from round to round, to meet every interleaving of their steps; a
          // networked store gets a random delay of up to `jitterMs` on each side instead.
          const ticks = round % 40
          const after = async <T>(call: () => Promise<T>, delayed: boolean): Promise<T> => {
            if (jitterMs) await new Promise((r) => setTimeout(r, Math.random() * jitterMs))
            else if (delayed) for (let i = 0; i < ticks; i++) await Promise.resolve()
            return call()
          }
          const [put, del] = await Promise.all([
            after(() => setAlias('race', 'stable', version), round % 2 === 1),
            after(
              () => req(`/v1/models/race/versions/${version}`, { method: 'DELETE', headers: auth }),
              round % 2 === 0,
            ),
          ])
          const target = await req('/v1/models/race/aliases/stable')
          const ok = (put.status === 200 && del.status === 409) || (put.status === 404 && del.status === 204)
          if (!ok || (put.status === 200 && target.status !== 200)) {
            broken.push(`v${version}: PUT ${put.status}, DELETE ${del.status}, alias GET ${target.status}`)
          }
          await target.body?.cancel()
        }
        expect(broken, `${broken.length} of ${rounds} races broke linearizability`).toEqual([])
        const detail = (await (await req('/v1/models/race')).json()) as { aliases?: Record<string, number> }
        const stable = detail.aliases?.stable
        if (stable !== undefined) expect((await req(`/v1/models/race/versions/${stable}`)).status).toBe(200)
      },
      timeoutMs,
    )
  })
}
