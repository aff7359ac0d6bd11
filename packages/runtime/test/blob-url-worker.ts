// Test support: a browser-like dedicated `Worker` for Node, so the runtime's own blob: URL worker scripts
// (the digest helper) really run, on node:worker_threads.
import { Worker as NodeWorker } from 'node:worker_threads'

/**
 * A browser-like `Worker` over node:worker_threads: it runs the script behind a blob: URL with
 * `onmessage`/`postMessage` as a dedicated worker has them, so the hasher's own source is what runs.
 */
export class BlobUrlWorker {
  onmessage: ((e: { data: unknown }) => void) | null = null
  onerror: ((e: unknown) => void) | null = null
  static started = 0
  static answers: unknown[] = []
  static posted: unknown[] = []
  private readonly w: Promise<NodeWorker>
  constructor(url: string) {
    BlobUrlWorker.started++
    this.w = (async () => {
      const { resolveObjectURL } = await import('node:buffer')
      const src = await (resolveObjectURL(url) as Blob).text()
      const w = new NodeWorker(
        `const { parentPort } = require('node:worker_threads')
         globalThis.postMessage = (d) => parentPort.postMessage(d)
         ${src}
         parentPort.on('message', (data) => onmessage({ data }))`,
        { eval: true },
      )
      w.on('message', (data) => {
        BlobUrlWorker.answers.push(data)
        this.onmessage?.({ data })
      })
      w.on('error', (e) => this.onerror?.(e))
      return w
    })()
  }
  postMessage(data: unknown, transfer: Transferable[] = []) {
    BlobUrlWorker.posted.push(data)
    // Transferred buffers are detached at once, as a browser's postMessage does.
    const sent = transfer.length ? structuredClone(data, { transfer }) : data
    void this.w.then((w) => w.postMessage(sent))
  }
  terminate() {
    void this.w.then((w) => w.terminate())
  }
}
