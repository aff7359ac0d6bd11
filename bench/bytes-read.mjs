// How fast a worker in Chromium reads 64 MiB of stored model bytes back: IndexedDB the way Ferry's
// driver stores them (16 MiB Blob chunks, one getAll, one composed Blob read) against the Origin Private
// File System (a sync access handle's read, and File.arrayBuffer). No goal: it tells what a cached load
// (cache-load.mjs) could gain from another store. Each store in a fresh incognito context (what the other
// benchmarks use) and in a persistent profile on disk (what users have). Median of 7 reads (ms).
// Run: node bench/bytes-read.mjs
import { mkdtemp, rm } from 'node:fs/promises'
import http from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium } from 'playwright-core'
import { chromiumOptions, launchChromium } from './lib/common.mjs'

const worker = `
const MiB = 1 << 20, SIZE = 64 * MiB, CHUNK = 16 * MiB
const done = (r) => new Promise((res, rej) => { r.onsuccess = () => res(r.result); r.onerror = () => rej(r.error) })
const median = (xs) => xs.sort((a, b) => a - b)[xs.length >> 1]
onmessage = async () => {
  const data = new Uint8Array(SIZE)
  for (let i = 0; i < SIZE; i += 4093) data[i] = i % 251
  const file = await (await navigator.storage.getDirectory()).getFileHandle('bytes.bin', { create: true })
  let h = await file.createSyncAccessHandle()
  h.truncate(0); h.write(data, { at: 0 }); h.flush(); h.close()
  const open = indexedDB.open('bytes-read', 1)
  open.onupgradeneeded = () => open.result.createObjectStore('chunks')
  const db = await done(open)
  const tx = db.transaction('chunks', 'readwrite')
  for (let i = 0; i < SIZE / CHUNK; i++) tx.objectStore('chunks').put(new Blob([data.subarray(i * CHUNK, (i + 1) * CHUNK)]), i)
  await new Promise((r, j) => { tx.oncomplete = r; tx.onerror = () => j(tx.error) })
  const reads = {
    idb: async () => new Uint8Array(await new Blob(await done(db.transaction('chunks').objectStore('chunks').getAll())).arrayBuffer()),
    opfsSync: async () => {
      const h = await file.createSyncAccessHandle()
      const b = new Uint8Array(h.getSize())
      h.read(b, { at: 0 }); h.close()
      return b
    },
    opfsFile: async () => new Uint8Array(await (await file.getFile()).arrayBuffer()),
  }
  const ms = { idb: [], opfsSync: [], opfsFile: [] }
  for (let rep = 0; rep < 7; rep++)
    for (const k of Object.keys(reads)) {
      const t = performance.now()
      const b = await reads[k]()
      ms[k].push(performance.now() - t)
      if (b.length !== SIZE || b[4093 * 1000] !== data[4093 * 1000]) throw new Error(k + ': wrong bytes')
    }
  postMessage(Object.fromEntries(Object.entries(ms).map(([k, v]) => [k, median(v)])))
}`
const server = http
  .createServer((req, res) => {
    res.setHeader('content-type', req.url === '/w.js' ? 'text/javascript' : 'text/html')
    res.end(req.url === '/w.js' ? worker : '<!doctype html>')
  })
  .listen(0, '127.0.0.1')
await new Promise((r) => server.once('listening', r))
const origin = `http://localhost:${server.address().port}`
const measure = (page) =>
  page.evaluate(
    () =>
      new Promise((resolve, reject) => {
        const w = new Worker('/w.js')
        w.onmessage = (e) => resolve(e.data)
        w.onerror = (e) => reject(new Error(e.message))
        w.postMessage(0)
      }),
  )

const profile = await mkdtemp(join(tmpdir(), 'ferry-bench-profile-'))
try {
  const browser = await launchChromium()
  const incognito = await browser.newContext()
  const a = await incognito.newPage()
  await a.goto(origin)
  const rows = [['incognito context', await measure(a)]]
  await browser.close()
  const persistent = await chromium.launchPersistentContext(profile, chromiumOptions())
  const b = persistent.pages()[0] ?? (await persistent.newPage())
  await b.goto(origin)
  rows.push(['persistent profile', await measure(b)])
  await persistent.close()
  console.log('64 MiB read back in a worker, median of 7 (ms):')
  for (const [where, r] of rows)
    console.log(
      `  ${where.padEnd(19)} IndexedDB (Ferry's chunks) ${r.idb.toFixed(1)}  OPFS sync handle ${r.opfsSync.toFixed(1)}  OPFS File ${r.opfsFile.toFixed(1)}  IndexedDB ÷ OPFS sync ${(r.idb / r.opfsSync).toFixed(2)}`,
    )
} finally {
  server.close()
  await rm(profile, { recursive: true, force: true })
}
