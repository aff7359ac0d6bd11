// The run port on a real MessageChannel, with an engine whose runs finish when the test says so. Each
// run gets fresh outputs: they are transferred (a detached buffer in Node's postMessage drops the message).
import type { TelemetryEvent } from '@ferry/protocol'
import { afterEach, describe, expect, it } from 'vitest'
import type { EngineApi, RunResult } from '../engine/types.js'
import { runClient, serveRuns } from './run-port.js'

const ev = (n: number): TelemetryEvent => ({ type: 'error', code: 'INTERNAL', ts: n })
const result = (): RunResult => ({
  outputs: { y: { data: new Float32Array([1, 2]), dims: [2], dtype: 'float32' } },
  backend: 'wasm',
  fallback: { from: 'webgpu', reason: 'no-adapter' },
})

const closers: (() => void)[] = []
afterEach(() => {
  for (const c of closers.splice(0)) c()
})

function setup() {
  const { port1, port2 } = new MessageChannel()
  let finish: (r: RunResult) => void = () => {}
  const engine = {
    run: () =>
      new Promise<RunResult>((resolve) => {
        finish = resolve
      }),
  } as unknown as EngineApi
  const worker = serveRuns(port1, () => engine)
  const got: { at: number; ev: TelemetryEvent }[] = []
  const page = runClient(port2, (events) => {
    for (const e of events) got.push({ at: performance.now(), ev: e })
  })
  closers.push(() => {
    port1.close()
    port2.close()
  })
  return { worker, page, got, finish: (r: RunResult) => finish(r) }
}

describe('run port', () => {
  it('answers a run with its outputs, backend and fallback; events emitted during it ride on the answer', async () => {
    const { worker, page, got, finish } = setup()
    const p = page.run(1, { x: new Float32Array(2) })
    await new Promise((r) => setTimeout(r, 10))
    worker.emit([ev(1)])
    await new Promise((r) => setTimeout(r, 20))
    expect(got).toEqual([]) // no message of their own while the run may still answer soon
    finish(result())
    const r = await p
    expect(got.map((g) => g.ev)).toEqual([ev(1)])
    expect(r.backend).toBe('wasm')
    expect(r.fallback).toEqual(result().fallback)
    expect(Array.from(r.outputs.y?.data as Float32Array)).toEqual([1, 2])
  })

  it('events wait at most ~100 ms for a run in flight, and none when no run is', async () => {
    const { worker, page, got, finish } = setup()
    const p = page.run(1, {})
    await new Promise((r) => setTimeout(r, 10))
    const t = performance.now()
    worker.emit([ev(2)])
    while (got.length === 0 && performance.now() - t < 2000) await new Promise((r) => setTimeout(r, 5))
    expect(got.map((g) => g.ev)).toEqual([ev(2)])
    expect((got[0]?.at ?? Infinity) - t).toBeLessThan(400)
    finish(result())
    await p
    const t2 = performance.now()
    worker.emit([ev(3)])
    while (got.length === 1 && performance.now() - t2 < 2000) await new Promise((r) => setTimeout(r, 1))
    expect(got.map((g) => g.ev)).toEqual([ev(2), ev(3)])
    expect((got[1]?.at ?? Infinity) - t2).toBeLessThan(50)
  })
})

describe('run port on a shared channel', () => {
  it('ignores messages that are not runs or aborts (the Comlink port handover, anything else)', async () => {
    const { port1, port2 } = new MessageChannel()
    let runs = 0
    const engine = {
      run: async () => {
        runs++
        return result()
      },
    } as unknown as EngineApi
    serveRuns(port1, () => engine)
    const page = runClient(port2, () => {})
    closers.push(() => {
      port1.close()
      port2.close()
    })
    const other = new MessageChannel()
    port2.postMessage({ control: other.port1 }, [other.port1])
    port2.postMessage({ type: 'ping' })
    port2.postMessage(null)
    const r = await page.run(1, { x: new Float32Array(2) })
    expect(r.backend).toBe('wasm')
    expect(runs).toBe(1)
    other.port2.close()
  })
})

describe('run port closing', () => {
  it('a run the worker never answered rejects with RUNTIME_CLOSED once the page closes the channel', async () => {
    const { port1, port2 } = new MessageChannel()
    closers.push(() => port1.close())
    port1.onmessage = () => {} // a worker that takes runs and never answers, nor says bye
    const page = runClient(port2, () => {})
    const run = page.run(1, { x: new Float32Array(2) }).catch((e: unknown) => e)
    await page.closed(20)
    expect(await run).toMatchObject({ code: 'RUNTIME_CLOSED' })
  })
})
