// Pieces the benchmarks share: the Chromium launch used here, and one-file model manifests.
import { createHash } from 'node:crypto'
import { chromium } from 'playwright-core'

/** sha256 digest in the registry's form. */
export const sha256Digest = (bytes) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`

/** Launch options for Debian's Chromium, headless, with the flags this machine needs (no background network). */
export const chromiumOptions = (extraArgs = []) => ({
  executablePath: process.env.FERRY_CHROMIUM ?? '/usr/bin/chromium',
  args: [
    '--no-sandbox',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    ...extraArgs,
  ],
})

/** Debian's Chromium, headless (see chromiumOptions). */
export function launchChromium(extraArgs = []) {
  return chromium.launch(chromiumOptions(extraArgs))
}

/**
 * Answers `res` as a cross-origin isolated page would be served: performance.now() then has 5 µs
 * resolution rather than 100 µs (and WASM threads are allowed).
 */
export function sendIsolated(res, status, type, body) {
  res.writeHead(status, {
    'content-type': type,
    'cache-control': 'no-store',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-embedder-policy': 'require-corp',
  })
  res.end(body)
}

/** A published manifest for a one-file model (`model.onnx`) with the given signature. */
export function oneFileManifest(name, bytes, signature, version = 1) {
  return {
    schemaVersion: 1,
    name,
    version,
    format: 'onnx',
    createdAt: new Date().toISOString(),
    files: [{ path: 'model.onnx', role: 'model', digest: sha256Digest(bytes), size: bytes.byteLength }],
    ...signature,
  }
}
