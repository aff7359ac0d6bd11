/** Test suite: an S3 store whose endpoint accepts connections but never answers fails with STORE_UNAVAILABLE. */
import { createServer, type Socket } from 'node:net'
import { expect, it } from 'vitest'
import type { S3StoreConfig } from './config.js'
import { createS3Store } from './store.js'

/** The answer timeout, checked on a transport (`extra`: its config, e.g. the node:http one). */
export function answerTimeoutSuite(extra: Partial<S3StoreConfig> = {}): void {
  it('gives up on a store that accepts the connection but never answers', async () => {
    const sockets: Socket[] = []
    const silent = createServer((s) => void sockets.push(s))
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r))
    const { port } = silent.address() as { port: number }
    try {
      const store = createS3Store({
        bucket: 'bkt',
        prefix: '',
        region: 'us-east-1',
        accessKeyId: 'a',
        secretAccessKey: 's',
        endpoint: `http://127.0.0.1:${port}`,
        answerTimeoutMs: 300,
        ...extra,
      })
      const t0 = Date.now()
      const err = await store.statBlob(`sha256:${'0'.repeat(64)}`).catch((e) => e)
      expect(err).toMatchObject({ code: 'STORE_UNAVAILABLE' })
      expect(err.message).toContain('no answer in 0.3 s')
      expect(Date.now() - t0).toBeLessThan(5000)
    } finally {
      for (const s of sockets) s.destroy()
      silent.close()
    }
  })
}
