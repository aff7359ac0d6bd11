// Issue 6: the playground through its UI, against a real registry: load digits and classify held-out
// digits fed through the drawing canvas, switch backend, run the text detector, delete from the cache
// panel; and the PWA: after one visit, reload with the network off and run again from the device cache.
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import type { Page } from '@playwright/test'
import { expect, publish, publishDigits, repoRoot, startRegistry, test } from '../fixtures/index.js'

const demoDir = path.join(repoRoot, 'packages/demo')
const samples = JSON.parse(readFileSync(path.join(demoDir, 'public/samples/digits.json'), 'utf8')) as {
  samples: { label: number }[]
}

// The playground is served from its build (`npm run build -w packages/demo`); build it when missing.
test.beforeAll(() => {
  if (!existsSync(path.join(demoDir, 'dist/index.html')))
    execFileSync('npm', ['run', 'build', '-w', 'packages/demo'], { cwd: repoRoot, stdio: 'inherit' })
})

// digits v1 (weights) and v2 (weights + labels, `stable`), published once per worker, as `npm start` seeds.
test.beforeAll(({ registry, published: _ }) => publishDigits(registry))

async function openPlayground(page: Page, siteOrigin: string, registryUrl: string): Promise<void> {
  // No edge (`edge=` empty): these run on the device, whatever edge.json a local `npm start` left.
  await page.goto(`${siteOrigin}/demo/?registry=${encodeURIComponent(registryUrl)}&edge=`)
  await expect(page.locator('.model-pick[data-model="digits"]')).toBeVisible()
}

async function loadDigits(page: Page): Promise<void> {
  await page.locator('#digits-load').click()
  await expect(page.locator('#loaded-models li[data-model="digits"]')).toBeVisible({ timeout: 60_000 })
}

/** Feeds held-out digit `i` through the canvas path and returns the predicted class. */
async function classifySample(page: Page, i: number): Promise<string | null> {
  await page.locator('#digit-sample').selectOption(String(i))
  await expect(page.locator('#digit-prediction')).toHaveAttribute('data-sample', String(i))
  return page.locator('#digit-prediction').getAttribute('data-digit')
}

test('load digits, classify held-out digits through the canvas, switch backend', async ({
  page,
  site,
  registry,
  backend,
}) => {
  await openPlayground(page, site.origin, registry.url)
  // The registry panel lists versions and aliases.
  await page.locator('.model-pick[data-model="digits"]').click()
  const options = page.locator('#version-select option')
  await expect(options.first()).toHaveText(/→ v2/)
  await expect(options.filter({ hasText: /^stable \(→ v2\)/ })).toHaveCount(1)
  await expect(options.filter({ hasText: /^v[12] · / })).toHaveCount(2)

  const note = page.locator('#gpu-note')
  await loadDigits(page)
  const row = page.locator('#loaded-models li[data-model="digits"]')
  // Auto: WASM without an adapter, and also on SwiftShader (a software adapter), with the reason.
  await expect(row.getByTestId('backend')).toHaveText('wasm')
  await expect(row.getByTestId('source')).toHaveText('network')
  await expect(row.getByTestId('fallback')).toContainText(/no-adapter|no-webgpu-api|software-adapter/)
  // The WebGPU note says what the runtime found, not merely that the API exists.
  const autoReason = (await row.getByTestId('fallback').textContent()) ?? ''
  const found = /software-adapter/.test(autoReason)
    ? 'software'
    : /no-adapter/.test(autoReason)
      ? 'no-adapter'
      : 'no-api'
  await expect(note).toHaveAttribute('data-gpu', found)
  await expect(note).toContainText(
    {
      software: /only adapter here is a software one \(.*swiftshader.*\).*Auto passes over it/i,
      'no-adapter': 'has the WebGPU API but no adapter',
      'no-api': 'has no WebGPU API',
    }[found],
  )
  expect(found === 'software').toBe(backend === 'webgpu')

  // WebGPU chosen by name: on SwiftShader the model moves there (a software adapter is accepted when
  // asked for); without an adapter it stays loaded, on WASM, with the reason.
  await page.locator('input[name="backend"][value="webgpu"]').check({ force: true })
  await expect(page.locator('#load-status')).toHaveText('Backend choice: webgpu.', { timeout: 60_000 })
  await expect(row.getByTestId('backend')).toHaveText(backend, { timeout: 60_000 })
  if (backend === 'wasm') await expect(row.getByTestId('fallback')).toContainText(/no-adapter|no-webgpu-api/)
  await expect(note).toHaveAttribute('data-gpu', found)

  let right = 0
  for (let i = 0; i < samples.samples.length; i++)
    if ((await classifySample(page, i)) === String(samples.samples[i]!.label)) right++
  expect(right).toBeGreaterThanOrEqual(samples.samples.length - 1)
  await expect(page.locator('#latency-table')).toContainText('compute')

  // Switch to WASM explicitly: the model is re-loaded on it, from the device cache now.
  await page.locator('input[name="backend"][value="wasm"]').check({ force: true })
  await expect(row.getByTestId('backend')).toHaveText('wasm', { timeout: 60_000 })
  // Only "not requested" may remain as the reason WebGPU is not used.
  const reason = row.getByTestId('fallback')
  if (await reason.count()) await expect(reason).toContainText('not-requested')
  expect(await classifySample(page, 14)).toBe(String(samples.samples[14]!.label))
})

test('a hand-drawn 1 and 7 through pointer strokes', async ({ page, site, registry }) => {
  await openPlayground(page, site.origin, registry.url)
  await loadDigits(page)
  const pad = page.locator('#digit-canvas')
  await pad.scrollIntoViewIfNeeded()
  const box = (await pad.boundingBox())!
  const at = (x: number, y: number) =>
    [box.x + (x * box.width) / 280, box.y + (y * box.height) / 280] as const
  const strokes = async (lines: [number, number][][]) => {
    await page.locator('#digit-clear').click()
    for (const line of lines) {
      await page.mouse.move(...at(...line[0]!))
      await page.mouse.down()
      for (const p of line.slice(1)) await page.mouse.move(...at(...p), { steps: 8 })
      await page.mouse.up()
    }
  }
  await strokes([
    [
      [140, 40],
      [140, 240],
    ],
  ])
  await expect(page.locator('#digit-prediction')).toHaveText('1')
  await strokes([
    [
      [70, 50],
      [210, 50],
      [120, 250],
    ],
  ])
  await expect(page.locator('#digit-prediction')).toHaveText('7')
})

test('the text detector finds the lines of the rendered sample', async ({ page, site, registry }) => {
  // Auto passes over SwiftShader (a software adapter): in the webgpu project too the detector runs on
  // WASM here; PP-OCR's detector on WebGPU is covered by runtime-backends and runtime-engine.
  await openPlayground(page, site.origin, registry.url)
  await page.locator('#ocr-run').click()
  await expect(page.locator('#ocr-status')).toContainText('text regions found', { timeout: 90_000 })
  const boxes = Number(await page.locator('#ocr-canvas').getAttribute('data-boxes'))
  expect(boxes).toBeGreaterThanOrEqual(4)
  expect(boxes).toBeLessThanOrEqual(16)
  // Another sample: five lines of a receipt.
  await page.locator('#ocr-preset').selectOption('Receipt')
  await expect(page.locator('#ocr-canvas')).not.toHaveAttribute('data-boxes')
  await page.locator('#ocr-run').click()
  await expect(page.locator('#ocr-canvas')).toHaveAttribute('data-boxes', /^\d+$/, { timeout: 60_000 })
  expect(Number(await page.locator('#ocr-canvas').getAttribute('data-boxes'))).toBeGreaterThanOrEqual(5)
})

test('delete from the cache panel', async ({ page, site, registry }) => {
  await openPlayground(page, site.origin, registry.url)
  await loadDigits(page)
  const cached = page.locator('#cache-table tr[data-model="digits"][data-version="2"]')
  await expect(cached).toBeVisible()
  await cached.locator('button.pin').click()
  await expect(cached.locator('button.pin')).toHaveText('Unpin')
  await cached.locator('button.pin').click()
  await cached.locator('button.delete').click()
  await expect(cached).toHaveCount(0)
  await expect(page.locator('#cache-log')).toContainText('digits v2')
})

test('eviction shows as it happens under a small budget', async ({ page, site, registry }) => {
  await openPlayground(page, site.origin, registry.url)
  await page.locator('#cache-budget').selectOption({ label: '2 MB' })
  await loadDigits(page)
  await expect(page.locator('#cache-table tr[data-model="digits"]')).toBeVisible()
  // Once unloaded, digits may go: silero-vad (1.8 MB) does not fit next to it (0.4 MB) in 2 MB.
  await page.locator('#loaded-models li[data-model="digits"] button.unload').click()
  await expect(page.locator('#loaded-models li[data-model="digits"]')).toHaveCount(0)
  await page.locator('.model-pick[data-model="silero-vad"]').click()
  await page.locator('#load-selected').click()
  await expect(page.locator('#loaded-models li[data-model="silero-vad"]')).toBeVisible({ timeout: 60_000 })
  await expect(page.locator('#cache-log')).toContainText(/evict(ed)? digits v2/)
  await expect(page.locator('#cache-table tr[data-model="digits"]')).toHaveCount(0)
  await expect(page.locator('#cache-table tr[data-model="silero-vad"]')).toBeVisible()
})

test('served by the registry itself at / (as `npm start` does), the page uses its own origin', async ({
  page,
}) => {
  const own = await startRegistry({ staticRoot: path.join(demoDir, 'dist') })
  try {
    await publish(
      own.url,
      own.token,
      'digits',
      { 'model.onnx': path.join(demoDir, 'models/digits.onnx') },
      { alias: 'stable' },
    )
    await page.goto(`${own.url}/`)
    await expect(page.locator('#registry-panel')).toContainText(`1 model at ${own.url}/`)
    await loadDigits(page)
    expect(await classifySample(page, 4)).toBe(String(samples.samples[4]!.label))
    // The API is still the API under the page's service worker scope.
    expect((await page.request.get(`${own.url}/v1/models`)).headers()['content-type']).toContain('json')
  } finally {
    await page.close()
    await own.close()
  }
})

test('offline: after one visit, reload with the network off and run from the device cache', async ({
  page,
  context,
  site,
  registry,
}) => {
  test.setTimeout(180_000)
  await openPlayground(page, site.origin, registry.url)
  await loadDigits(page)
  // The service worker has precached the shell, the runtime and ONNX Runtime's files.
  await expect(page.locator('#sw-status')).toHaveAttribute('data-ready', 'true', { timeout: 90_000 })
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready
  })
  await context.setOffline(true)
  try {
    await page.reload()
    await expect(page.locator('#net-status')).toHaveText('offline')
    await expect(page.locator('#registry-panel')).toContainText('digits')
    await loadDigits(page)
    await expect(page.locator('#loaded-models li[data-model="digits"]').getByTestId('source')).toHaveText(
      'cache',
    )
    expect(await classifySample(page, 6)).toBe(String(samples.samples[6]!.label))
    await expect(page.locator('#telemetry-stream')).toContainText('inference digits')
  } finally {
    await context.setOffline(false)
  }
  // The events of the offline session wait on the device and are delivered once the network is back.
  await expect(page.locator('[data-counter="batches posted"] dd')).toContainText('HTTP 202', {
    timeout: 45_000,
  })
})

test('the cache panel says why it holds more than its budget', async ({ page, site, registry }) => {
  await openPlayground(page, site.origin, registry.url)
  await loadDigits(page)
  await page.locator('.model-pick[data-model="silero-vad"]').click()
  await page.locator('#load-selected').click()
  await expect(page.locator('#loaded-models li[data-model="silero-vad"]')).toBeVisible({ timeout: 60_000 })
  await expect(page.locator('#cache-policy')).toContainText(
    'Pinned versions and versions being loaded are never evicted',
  )
  await expect(page.locator('#cache-over')).toBeHidden()
  // A 2 MB budget: both models (2.2 MB) are loaded again, on a new runtime, from the device cache.
  await page.locator('#cache-budget').selectOption({ label: '2 MB' })
  await expect(page.locator('#cache-usage-text')).toContainText(/^2\.\d MB used of a 2\.0 MB budget/)
  const over = page.locator('#cache-over')
  await expect(over).toContainText('over the budget: the cache evicts only when it stores a new version')
  await expect(over).toContainText(/In memory \(digits v2, silero-vad v\d+\): these keep running/)
  await expect(page.locator('#loaded-models li[data-model]')).toHaveCount(2)
})

declare global {
  interface Window {
    ocrStatus: string[]
  }
}

test('a run shows its time and backend as it goes; telemetry shows sent, queued and dropped', async ({
  page,
  site,
  registry,
}) => {
  await openPlayground(page, site.origin, registry.url)
  await page.locator('#ocr-load').click()
  const row = page.locator('#loaded-models li[data-model="ocr-det"]')
  await expect(row).toBeVisible({ timeout: 60_000 })
  const on = (await row.getByTestId('backend').textContent()) as string
  // Every text the status line shows, as it changes.
  await page.evaluate(() => {
    const el = document.getElementById('ocr-status') as HTMLElement
    window.ocrStatus = []
    new MutationObserver(() => window.ocrStatus.push(el.textContent ?? '')).observe(el, { childList: true })
  })
  await page.locator('#ocr-run').click()
  const status = page.locator('#ocr-status')
  await expect(status).toContainText('text regions found', { timeout: 90_000 })
  await expect(status).toContainText(new RegExp(`on ${on} in .* \\(queue .*, compute .*\\)\\.$`))
  const running = (await page.evaluate(() => window.ocrStatus)).filter((t) => t.startsWith('Running'))
  expect(running[0]).toMatch(new RegExp(`^Running ocr-det v\\d+ on ${on}… \\d+\\.\\d s$`))
  // It ticks while the run goes on (a 640×320 detector run takes well over the 0.1 s between ticks).
  expect(new Set(running).size).toBeGreaterThanOrEqual(2)

  // The runtime's own telemetry counts: the load and the run reach the collector within seconds.
  await expect(page.locator('[data-counter="queued"] dd')).toHaveText(/^\d+$/)
  await expect(page.locator('[data-counter="dropped"] dd')).toHaveText('0')
  await expect
    .poll(async () => Number(await page.locator('[data-counter="sent"] dd').textContent()), {
      timeout: 30_000,
    })
    .toBeGreaterThanOrEqual(2)
})

test('a backend switch during loads and runs leaves every model usable', async ({
  page,
  site,
  registry,
  backend,
}) => {
  test.skip(backend !== 'webgpu', 'switching to WebGPU needs an adapter: the webgpu project has SwiftShader')
  test.setTimeout(180_000)
  const errors: string[] = []
  page.on('pageerror', (e) => errors.push(e.message))
  await openPlayground(page, site.origin, registry.url)
  const choose = (b: string) => page.locator(`input[name="backend"][value="${b}"]`).check({ force: true })
  await loadDigits(page)
  // The text detector loads and runs, digits run, while the backend goes Auto → WebGPU → WASM → WebGPU.
  await page.locator('#ocr-run').click()
  await choose('webgpu')
  for (const i of [1, 2]) await page.locator('#digit-sample').selectOption(String(i))
  await page.waitForTimeout(300)
  await choose('wasm')
  for (const i of [3, 4]) await page.locator('#digit-sample').selectOption(String(i))
  await page.waitForTimeout(300)
  await choose('webgpu')
  await page.locator('#digit-sample').selectOption('5')

  await expect(page.locator('#load-status')).toHaveText('Backend choice: webgpu.', { timeout: 120_000 })
  await expect(page.locator('#ocr-status')).toContainText('text regions found', { timeout: 120_000 })
  const rows = page.locator('#loaded-models li[data-model]')
  await expect(rows).toHaveCount(2)
  await expect(page.locator('#loaded-models li[data-wanted]')).toHaveCount(0)
  await expect(rows.filter({ hasText: 'digits' }).getByTestId('backend')).toHaveText('webgpu')
  // Every model runs afterwards: digits through the pad (the pad's digit runs again on the new runtime;
  // a fresh SwiftShader device first compiles its pipelines, for seconds), the detector on a small input.
  const digitsStatus = page.locator('#digits-panel [role="status"]')
  await expect(digitsStatus).toContainText('digits v2 on webgpu', { timeout: 90_000 })
  expect(await classifySample(page, 6)).toBe(String(samples.samples[6]!.label))
  const det = await page.evaluate(async () => {
    const app = (window as unknown as { ferryPlayground: import('../../packages/demo/src/app.js').App })
      .ferryPlayground
    const r = await app.run('ocr-det', { x: { data: new Float32Array(3 * 64 * 64), dims: [1, 3, 64, 64] } })
    return { backend: r.model.backend, outputs: Object.keys(r.out).length, models: app.models.size }
  })
  expect(det.outputs).toBe(1)
  expect(det.models).toBe(2)
  expect(['webgpu', 'wasm']).toContain(det.backend)
  await expect(digitsStatus).not.toContainText('Run failed')
  expect(errors).toEqual([])
})
