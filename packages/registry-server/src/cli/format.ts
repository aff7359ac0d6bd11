/** Text formatting for the CLI: byte sizes, aligned tables, publish progress lines. */
import type { PublishEvent } from './publish.js'

/** `1.8 MB`, `512 B`. */
export function formatBytes(n: number): string {
  if (n < 1000) return `${n} B`
  const units = ['kB', 'MB', 'GB', 'TB']
  let v = n
  let u = -1
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000
    u++
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[u]}`
}

/** Columns padded to their widest cell; the last column is not padded. */
export function formatTable(header: string[], rows: string[][]): string {
  const all = [header, ...rows]
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)))
  return all
    .map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  '))
    .join('\n')
}

export interface ProgressSink {
  write(text: string): void
  isTTY?: boolean
}

/**
 * Renders publish events on stderr: on a terminal one line rewritten in place (bytes and percent, at most ten
 * times a second); elsewhere one line per quarter, so logs stay short.
 */
export function progressPrinter(out: ProgressSink, now: () => number = Date.now): (e: PublishEvent) => void {
  let lastDraw = 0
  let lastQuarter = -1
  return (e) => {
    if (e.type === 'hashed') {
      const state = e.present ? 'already in the registry, skipped' : 'to upload'
      out.write(`${e.path}  ${formatBytes(e.size)}  ${e.digest.slice(0, 19)}…  ${state}\n`)
      return
    }
    if (e.type === 'uploaded') {
      if (out.isTTY) out.write('\r\x1b[K')
      out.write(`${e.path}  uploaded ${formatBytes(e.size)} (100%)\n`)
      lastQuarter = -1
      return
    }
    const pct = e.size === 0 ? 100 : Math.floor((e.sent / e.size) * 100)
    const line = `${e.path}  ${formatBytes(e.sent)} / ${formatBytes(e.size)}  ${pct}%`
    if (out.isTTY) {
      const t = now()
      if (t - lastDraw < 100 && e.sent !== 0) return
      lastDraw = t
      out.write(`\r\x1b[K${line}`)
    } else {
      const quarter = Math.floor(pct / 25)
      if (quarter === lastQuarter || pct === 100) return
      lastQuarter = quarter
      out.write(`${line}\n`)
    }
  }
}
