// Issue 5: real Chromium runs inferences through the built runtime; its telemetry reaches the registry's
// collector, `/metrics` shows the counts, `promtool check metrics` accepts the text, and a real Prometheus
// scraping the collector answers the count over its HTTP API. Offline events arrive once, later.
import { spawn } from 'node:child_process'
import { catalog, expect, publish, type RunningRegistry, startRegistry, test } from '../fixtures/index.js'
import { startPrometheus } from '../fixtures/prometheus.js'

const cls = catalog.ocrCls

/** A registry of its own (so counts start at zero) with the small OCR classifier published. */
async function freshRegistry(): Promise<{ reg: RunningRegistry; version: number }> {
  const reg = await startRegistry()
  const { version } = await publish(reg.url, reg.token, cls.name, { 'model.onnx': cls.file })
  return { reg, version }
}

async function metricsText(reg: RunningRegistry): Promise<string> {
  const res = await fetch(`${reg.url}/metrics`)
  expect(res.status).toBe(200)
  return res.text()
}

/** Sum of `ferry_client_inferences_total` samples whose labels contain every `match` pair. */
async function inferences(reg: RunningRegistry, match: Record<string, string> = {}): Promise<number> {
  let sum = 0
  for (const line of (await metricsText(reg)).split('\n')) {
    const m = /^ferry_client_inferences_total\{(.*)\} (\S+)$/.exec(line)
    if (!m) continue
    if (Object.entries(match).every(([k, v]) => m[1]!.includes(`${k}="${v}"`))) sum += Number(m[2])
  }
  return sum
}

/** Runs `promtool check metrics` on `text`; resolves with its exit code and output. */
function promtoolCheck(text: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn('promtool', ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] })
    let out = ''
    p.stdout.on('data', (d) => (out += d))
    p.stderr.on('data', (d) => (out += d))
    p.on('error', reject)
    p.on('close', (code) => resolve({ code, out }))
    p.stdin.end(text)
  })
}

test('inferences run in Chromium are counted on /metrics, and promtool accepts the exposition', async ({
  openRuntimePage,
  backend,
}) => {
  const { reg, version } = await freshRegistry()
  try {
    const rp = await openRuntimePage({ registry: reg.url })
    await rp.createRuntime({ telemetry: { flushMs: 250 } })
    await rp.mustLoad(cls.name)
    for (let i = 0; i < 5; i++) await rp.mustRun(cls.name, cls.inputs(i))
    await rp.closeAll() // close() flushes the pending batch
    const labels = { model: cls.name, version: String(version), backend, ok: 'true' }
    await expect.poll(() => inferences(reg, labels)).toBe(5)
    const text = await metricsText(reg)
    expect(text).toMatch(
      new RegExp(
        `^ferry_client_loads_total\\{model="${cls.name}",version="${version}",backend="${backend}",source="network"\\} 1$`,
        'm',
      ),
    )
    expect(text).toMatch(
      new RegExp(
        `^ferry_client_inference_compute_seconds_count\\{model="${cls.name}",version="${version}",backend="${backend}",placement="device"\\} 5$`,
        'm',
      ),
    )
    expect(text).toMatch(
      /^ferry_client_downloaded_bytes_total\{model="ocr-cls",version="\d+",source="network"\} [1-9]\d*$/m,
    )
    const check = await promtoolCheck(text)
    expect(check.out).toBe('')
    expect(check.code).toBe(0)
  } finally {
    await reg.close()
  }
})

test.describe('wasm project only', () => {
  test.skip(({ backend }) => backend !== 'wasm', 'backend-independent; covered once in the wasm project')

  test('a real Prometheus scraping the collector answers the fleet count over its HTTP API', async ({
    openRuntimePage,
  }) => {
    test.setTimeout(90_000)
    const { reg, version } = await freshRegistry()
    const prom = await startPrometheus([new URL(reg.url).host.replace('localhost', '127.0.0.1')])
    try {
      const rp = await openRuntimePage({ registry: reg.url })
      await rp.createRuntime({ telemetry: { flushMs: 250 } })
      await rp.mustLoad(cls.name)
      for (let i = 0; i < 3; i++) await rp.mustRun(cls.name, cls.inputs(i))
      await rp.closeAll()
      const count = async (q: string) => Number((await prom.query(q))[0]?.value[1] ?? Number.NaN)
      await expect
        .poll(() => count(`sum(ferry_client_inferences_total{model="${cls.name}",version="${version}"})`), {
          timeout: 30_000,
        })
        .toBe(3)
      // The README's queries for several collectors behind a load balancer evaluate too.
      expect(await count('sum without(instance)(ferry_client_inferences_total{ok="true"})')).toBe(3)
      expect(await count(`sum(ferry_client_inference_compute_seconds_count{model="${cls.name}"})`)).toBe(3)
      const p50 = await prom.query(
        'histogram_quantile(0.5, sum by (le) (ferry_client_inference_compute_seconds_bucket))',
      )
      expect(Number(p50[0]?.value[1])).toBeGreaterThan(0)
    } finally {
      await prom.close()
      await reg.close()
    }
  })

  test('events produced offline arrive once when the network returns, also from a later page', async ({
    openRuntimePage,
    page,
  }) => {
    const { reg } = await freshRegistry()
    const count = () => inferences(reg, { model: cls.name })
    try {
      const rp = await openRuntimePage({ registry: reg.url })
      await rp.createRuntime({ telemetry: { flushMs: 200 } })
      await rp.mustLoad(cls.name)
      await rp.mustRun(cls.name, cls.inputs(0))
      await expect.poll(count).toBe(1)

      // A: offline in the same page; the `online` event delivers.
      await page.context().setOffline(true)
      for (let i = 0; i < 2; i++) await rp.mustRun(cls.name, cls.inputs(i))
      await page.waitForTimeout(800) // the batch is sealed and kept (nothing can be sent)
      expect(await count()).toBe(1)
      await page.context().setOffline(false)
      await expect.poll(count).toBe(3)

      // B: offline, then the page closes its runtime and goes away; the batch waits in IndexedDB and
      // the next page on this origin delivers it.
      await page.context().setOffline(true)
      for (let i = 0; i < 3; i++) await rp.mustRun(cls.name, cls.inputs(i))
      await rp.closeAll()
      expect(await count()).toBe(3)
      await page.context().setOffline(false)
      const next = await openRuntimePage({ registry: reg.url })
      await next.createRuntime({ telemetry: { flushMs: 200 } })
      await expect.poll(count).toBe(6)
      await page.waitForTimeout(1500)
      expect(await count()).toBe(6) // once: no batch delivered twice
      const text = await metricsText(reg)
      expect(text).not.toMatch(/^ferry_client_events_dropped_total\{[^}]*\} [1-9]/m)
    } finally {
      await reg.close()
    }
  })

  test('a page that goes away hands its pending events to sendBeacon', async ({ openRuntimePage, page }) => {
    const { reg } = await freshRegistry()
    try {
      const rp = await openRuntimePage({ registry: reg.url })
      await rp.createRuntime({ telemetry: { flushMs: 60_000 } })
      await rp.mustLoad(cls.name)
      for (let i = 0; i < 2; i++) await rp.mustRun(cls.name, cls.inputs(i))
      expect(await inferences(reg)).toBe(0) // still buffered: the flush timer is a minute away
      await page.goto('about:blank') // pagehide → beacon
      await expect.poll(() => inferences(reg, { model: cls.name })).toBe(2)
    } finally {
      await reg.close()
    }
  })
})
