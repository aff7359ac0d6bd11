// This machine's thread wake-up latency, with no browser and no Ferry (no goal: it explains the worker
// hop's floor in runtime-browser.mjs). The main thread blocks in Atomics.wait while a worker thread
// busy-waits for `ms`, stamps the time and notifies; the latency is main's wake time minus that stamp
// (both on timeOrigin + performance.now()). A thread that has slept longer wakes more slowly: on a VM the
// idle vCPU is halted and has to be brought back, which is why a hop around a long model call costs more
// than around a short one.
// Run: node bench/thread-wake.mjs
import { Worker } from 'node:worker_threads'

const sab = new SharedArrayBuffer(32)
const flags = new Int32Array(sab, 0, 2) // [0]: done, [1]: go
const times = new Float64Array(sab, 8, 2) // [0]: worker's stamp, [1]: busy ms
const worker = new Worker(
  `const { workerData: sab } = require('node:worker_threads')
const flags = new Int32Array(sab, 0, 2), times = new Float64Array(sab, 8, 2)
for (;;) {
  Atomics.wait(flags, 1, 0)
  Atomics.store(flags, 1, 0)
  const t = performance.now()
  while (performance.now() - t < times[1]);
  times[0] = performance.timeOrigin + performance.now()
  Atomics.store(flags, 0, 1)
  Atomics.notify(flags, 0)
}`,
  { eval: true, workerData: sab },
)
await new Promise((r) => setTimeout(r, 200))
console.log('thread wake-up latency (Atomics.wait → notify), main thread blocked while the other works:')
for (const ms of [0, 0.03, 0.2, 1, 6]) {
  const us = []
  for (let i = 0; i < (ms > 1 ? 300 : 2000); i++) {
    times[1] = ms
    Atomics.store(flags, 0, 0)
    Atomics.store(flags, 1, 1)
    Atomics.notify(flags, 1)
    Atomics.wait(flags, 0, 0)
    us.push((performance.timeOrigin + performance.now() - times[0]) * 1000)
  }
  us.sort((a, b) => a - b)
  const at = (q) => us[Math.floor(us.length * q)].toFixed(1)
  console.log(
    `  blocked ~${String(ms).padEnd(4)} ms: p50 ${at(0.5)} µs, p10 ${at(0.1)} µs, p90 ${at(0.9)} µs`,
  )
}
await worker.terminate()
