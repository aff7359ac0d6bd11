// Issue 17, hardening finding 6: in real Chromium, a page on another origin that holds a write token cannot
// upload or publish (a preflight allowing Authorization used to let both through); with the registry's
// write allow-list (`corsWriteOrigins`, `ferry serve --cors-write-origin`) it can; telemetry stays open.
import { createHash } from 'node:crypto'
import { expect, type RunningRegistry, startRegistry, test } from '../fixtures/index.js'

test.skip(
  ({ backend }) => backend !== 'wasm',
  'browser security, not the GPU: covered once in the wasm project',
)

const blob = new TextEncoder().encode('bytes a page tries to publish')
const digest = `sha256:${createHash('sha256').update(blob).digest('hex')}`
const draft = {
  schemaVersion: 1,
  format: 'onnx',
  files: [{ path: 'model.onnx', role: 'model', digest, size: blob.byteLength }],
  inputs: [],
  outputs: [],
}

test('a page on another origin may write only when the registry allows its origin; telemetry stays open', async ({
  page,
  site,
}) => {
  const strict = await startRegistry()
  const allowing = await startRegistry({ corsWriteOrigins: [site.origin] })
  try {
    // The blob is on both registries already, so a publish that gets through answers 201, not 422.
    for (const reg of [strict, allowing]) {
      const res = await fetch(`${reg.url}/v1/blobs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${reg.token}` },
        body: blob,
      })
      expect(res.status).toBe(201)
    }
    /** The page at `pageOrigin` tries an upload, a publish and a telemetry batch against `reg`. */
    const attempt = async (pageOrigin: string, reg: RunningRegistry) => {
      await page.goto(`${pageOrigin}/pages/no-such-page`)
      return page.evaluate(
        async ({ url, token, draft, bytes }) => {
          const auth = { Authorization: `Bearer ${token}` }
          const up = await fetch(`${url}/v1/blobs`, {
            method: 'POST',
            headers: auth,
            body: new Uint8Array(bytes),
          })
          const pub = await fetch(`${url}/v1/models/from-a-page/versions`, {
            method: 'POST',
            headers: { ...auth, 'content-type': 'text/plain' },
            body: JSON.stringify(draft),
          })
          const tel = await fetch(`${url}/v1/telemetry`, {
            method: 'POST',
            headers: { 'content-type': 'text/plain' },
            body: JSON.stringify({ client: { id: 'page', runtime: '0.1.0', env: 'browser' }, events: [] }),
          })
          const code = async (r: Response) =>
            r.ok ? null : ((await r.json()) as { error: { code: string } }).error.code
          return {
            upload: [up.status, await code(up)],
            publish: [pub.status, await code(pub)],
            telemetry: tel.status,
          }
        },
        { url: reg.url, token: reg.token, draft, bytes: [...blob] },
      )
    }
    const refused = { upload: [403, 'FORBIDDEN'], publish: [403, 'FORBIDDEN'], telemetry: 202 }
    // localhost:<other port> is same-site but another origin; 127.0.0.1 is another site altogether.
    const crossSite = `http://127.0.0.1:${site.port}`
    expect(await attempt(site.origin, strict)).toEqual(refused)
    expect(await attempt(crossSite, strict)).toEqual(refused)
    expect((await fetch(`${strict.url}/v1/models/from-a-page`)).status).toBe(404)

    expect(await attempt(site.origin, allowing)).toEqual({
      upload: [201, null],
      publish: [201, null],
      telemetry: 202,
    })
    expect(await attempt(crossSite, allowing)).toEqual(refused)
    expect((await (await fetch(`${allowing.url}/v1/models/from-a-page`)).json()).versions).toHaveLength(1)
  } finally {
    await strict.close()
    await allowing.close()
  }
})
