import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ceph, cephStoreConfig } from '../../store/s3/ceph.suite.js'
import { answerTimeoutSuite } from '../../store/s3/silent.suite.js'
import { createS3Store } from '../../store/s3/store.js'
import { digestOf, draftFor, runStoreSuite } from '../../store/store.suite.js'
import { type RunningRegistry, serve } from './index.js'
import { nodeS3Transport } from './s3-fetch.js'

beforeAll(() => ceph(), 150_000)

// The S3 store on node:http passes every store's suite, like the one on the global fetch.
runStoreSuite('s3 on node:http (Ceph RGW)', async () =>
  createS3Store({ ...(await cephStoreConfig()), ...nodeS3Transport() }),
)

describe('the S3 store on node:http behind serve()', () => {
  let reg: RunningRegistry
  const auth = { Authorization: 'Bearer t0k' }
  beforeAll(async () => {
    const store = createS3Store({ ...(await cephStoreConfig()), ...nodeS3Transport() })
    reg = await serve({ port: 0, store, tokens: ['t0k'], sweep: false })
  })
  afterAll(() => reg?.close())

  it('takes a large streamed upload, refuses a wrong digest, and serves the blob whole, by range and by ETag', async () => {
    const data = new Uint8Array(3 * 1024 * 1024 + 7).map((_, i) => (i * 29 + (i >> 10)) & 0xff)
    const digest = digestOf(data)
    const wrong = await fetch(`${reg.url}/v1/blobs?digest=${digestOf(data.subarray(1))}`, {
      method: 'POST',
      headers: auth,
      body: data,
    })
    expect(wrong.status).toBe(422)
    expect(
      await fetch(`${reg.url}/v1/blobs/${digestOf(data.subarray(1))}`, { method: 'HEAD' }),
    ).toMatchObject({
      status: 404,
    })
    const up = await fetch(`${reg.url}/v1/blobs?digest=${digest}`, {
      method: 'POST',
      headers: auth,
      body: data,
    })
    expect(up.status).toBe(201)
    const pub = await fetch(`${reg.url}/v1/models/net/versions`, {
      method: 'POST',
      headers: { ...auth, 'Content-Type': 'application/json' },
      body: JSON.stringify(draftFor(digest, data.byteLength)),
    })
    expect(await pub.json()).toEqual({ version: 1 })

    const whole = await fetch(`${reg.url}/v1/blobs/${digest}`)
    expect(whole.headers.get('content-length')).toBe(String(data.byteLength))
    expect(digestOf(new Uint8Array(await whole.arrayBuffer()))).toBe(digest)
    const part = await fetch(`${reg.url}/v1/blobs/${digest}`, { headers: { Range: 'bytes=2000000-2000009' } })
    expect(part.status).toBe(206)
    expect(new Uint8Array(await part.arrayBuffer())).toEqual(data.subarray(2_000_000, 2_000_010))
    const cached = await fetch(`${reg.url}/v1/blobs/${digest}`, {
      headers: { 'If-None-Match': `"${digest}"` },
    })
    expect(cached.status).toBe(304)
  })
})

describe('nodeS3Fetch', () => {
  answerTimeoutSuite(nodeS3Transport())
})
