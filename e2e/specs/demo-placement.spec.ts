// Issue 18 in the playground: with a Ferry Edge (?edge=), Auto answers the first calls of a model from the
// edge while this device downloads it (the page's registry throttled), then runs it here; the Edge and
// Device switches move it; a cache budget below its size sends Auto to the edge with the reason. Each call
// says where it ran and splits its time (network for the edge).
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import path from 'node:path'
import type { Page } from '@playwright/test'
import { expect, publishDigits, repoRoot, test } from '../fixtures/index.js'

const demoDir = path.join(repoRoot, 'packages/demo')

test.beforeAll(() => {
  if (!existsSync(path.join(demoDir, 'dist/index.html')))
    execFileSync('npm', ['run', 'build', '-w', 'packages/demo'], { cwd: repoRoot, stdio: 'inherit' })
})
test.beforeAll(({ registry, published: _ }) => publishDigits(registry))

/** Classifies held-out digit `i` and returns where the call ran (the status line's data-placement). */
async function classify(page: Page, i: number): Promise<string | null> {
  await page.locator('#digit-sample').selectOption(String(i))
  await expect(page.locator('#digit-prediction')).toHaveAttribute('data-sample', String(i))
  return page.locator('#digit-info').getAttribute('data-placement')
}

test('placement: the edge answers while the device downloads; Edge, Device and a small budget move the model', async ({
  page,
  site,
  edge,
  registryProxy,
  backend,
}) => {
  test.skip(backend === 'webgpu', 'placement does not depend on the device; the wasm project covers it')
  test.setTimeout(180_000)
  // The page's downloads crawl (64 KiB every 700 ms: about 5 s for digits); the edge's registry does not.
  const proxy = await registryProxy({ throttleMs: 700, throttle: (p) => p.startsWith('/v1/blobs/') })
  const q = new URLSearchParams({ registry: proxy.url, edge: edge.url })
  await page.goto(`${site.origin}/demo/?${q}`)
  await expect(page.locator('#edge-note')).toContainText(`Ferry Edge at ${new URL(edge.url).href}`)
  const row = page.locator('#loaded-models li[data-model="digits"]')
  const info = page.locator('#digit-info')

  // Auto, not on this device yet: the edge answers the first call while the download goes on.
  await page.locator('#digits-load').click()
  await expect(row.getByTestId('placement')).toHaveText(/^edge \(\w+\)$/, { timeout: 60_000 })
  await expect(row.getByTestId('fallback')).toContainText('warm start')
  expect(await classify(page, 3)).toBe('edge')
  await expect(info).toContainText(/on the edge \(\w+\): network .* ms, queue .*, compute .* · .* round trip/)
  await expect(page.locator('#latency-table')).toContainText('network')
  // Once the device has it, calls run here, without a reload.
  await expect(row.getByTestId('placement')).toHaveText('device', { timeout: 90_000 })
  await expect(row.getByTestId('source')).toHaveText('network')
  expect(await classify(page, 4)).toBe('device')
  await expect(info).toContainText(/on wasm: queue .*, compute .* · .* round trip/)

  // Forced placements: a new runtime each, the model loaded again where asked.
  await page.locator('#placement input[value="edge"]').check()
  await expect(row.getByTestId('placement')).toHaveText(/^edge \(\w+\)$/, { timeout: 60_000 })
  await expect(row.getByTestId('fallback')).toHaveCount(0)
  expect(await classify(page, 5)).toBe('edge')
  await page.locator('#placement input[value="device"]').check()
  await expect(row.getByTestId('placement')).toHaveText('device', { timeout: 60_000 })
  await expect(row.getByTestId('source')).toHaveText('cache')
  expect(await classify(page, 6)).toBe('device')

  // Auto with a cache budget below the model's size: the edge, and why.
  await page.locator('#placement input[value="auto"]').check()
  await expect(row.getByTestId('placement')).toHaveText('device', { timeout: 60_000 })
  await page.locator('#cache-budget').selectOption({ label: '256 KB' })
  await expect(row.getByTestId('fallback')).toContainText(
    /On the edge, not on \w+: over-device-budget: \d+ bytes > the cache budget of 262144 bytes/,
    { timeout: 60_000 },
  )
  expect(await classify(page, 7)).toBe('edge')
})
