import { createServer, type Socket } from 'node:net'
import { describe, expect, it } from 'vitest'
import { xmlValues } from './client.js'
import { createS3Store } from './store.js'

describe('S3 client', () => {
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

  it('reads values out of S3 list answers, entities decoded', () => {
    const xml =
      '<ListBucketResult><Contents><Key>a&amp;b/c</Key></Contents><Contents><Key>d&lt;e</Key></Contents>' +
      '<NextContinuationToken>x&#43;y</NextContinuationToken></ListBucketResult>'
    expect(xmlValues(xml, 'Key')).toEqual(['a&b/c', 'd<e'])
    expect(xmlValues(xml, 'NextContinuationToken')).toEqual(['x+y'])
  })
})
