// Recent runs as stacked bars (compute + queue, and network for calls the edge answered), with p50/p95
// of the total as lines and in a table; each bar says where the call ran.
import type { App, RunRecord } from '../app.js'
import { whereRan } from '../lib/run-info.js'
import { percentile } from '../lib/stats.js'
import { formatMs, h, render } from '../ui/dom.js'

const NS = 'http://www.w3.org/2000/svg'
const VW = 600
const VH = 180

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>) {
  const el = document.createElementNS(NS, tag)
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v))
  return el
}

/** Mounts the latency chart into `root`. */
export function mountLatencyPanel(root: HTMLElement, app: App): void {
  const chart = svg('svg', { viewBox: `0 0 ${VW} ${VH}`, class: 'chart', role: 'img' })
  chart.setAttribute('aria-label', 'Latency of recent runs')
  const table = h('table', { id: 'latency-table', class: 'small' })
  const legend = h(
    'p',
    { class: 'legend small' },
    h('span', { class: 'swatch queue' }),
    'queue ',
    h('span', { class: 'swatch compute' }),
    'compute ',
    h('span', { class: 'swatch network' }),
    'network (edge) ',
    h('span', { class: 'swatch p50' }),
    'p50 ',
    h('span', { class: 'swatch p95' }),
    'p95 (of the total)',
  )
  const pick = h('select', { id: 'latency-model', 'aria-label': 'Model shown in the chart' })
  render(
    root,
    h('div', { class: 'row small' }, h('label', { for: 'latency-model' }, 'Model'), pick),
    chart,
    legend,
    table,
  )
  let pending = false
  /** The model the visitor picked, or null to follow the most recent run. */
  let chosen: string | null = null
  pick.addEventListener('change', () => {
    chosen = pick.value
    draw()
  })

  function draw(): void {
    pending = false
    const models = [...new Set(app.runs.items.map((r) => r.model))]
    const shown = chosen ?? app.runs.items.at(-1)?.model ?? ''
    if (pick.options.length !== models.length || pick.value !== shown) {
      render(
        pick,
        models.map((m) => h('option', { value: m }, m)),
      )
      pick.value = shown
    }
    pick.hidden = models.length === 0
    const runs = app.runs.items.filter((r) => r.model === shown)
    chart.replaceChildren()
    if (runs.length === 0) {
      const t = svg('text', { x: VW / 2, y: VH / 2, 'text-anchor': 'middle', class: 'chart-empty' })
      t.textContent = 'No runs yet'
      chart.append(t)
      render(table)
      return
    }
    const totals = runs.map((r) => r.queueMs + r.computeMs + r.networkMs)
    const p50 = percentile(totals, 50)
    const p95 = percentile(totals, 95)
    const max = Math.max(...totals, p95) * 1.1 || 1
    const bw = VW / app.runs.size
    const y = (ms: number) => VH - (ms / max) * (VH - 14)
    const first = app.runs.size - runs.length
    runs.forEach((r: RunRecord, i) => {
      const x = (first + i) * bw + 1
      const w = Math.max(1, bw - 2)
      const compute = svg('rect', {
        x,
        width: w,
        y: y(r.computeMs),
        height: VH - y(r.computeMs),
        class: 'compute',
      })
      const top = y(r.computeMs + r.queueMs)
      const queue = svg('rect', { x, width: w, y: top, height: y(r.computeMs) - top, class: 'queue' })
      const over = y(r.computeMs + r.queueMs + r.networkMs)
      const net = svg('rect', { x, width: w, y: over, height: top - over, class: 'network' })
      const title = svg('title', {})
      const network = r.placement === 'edge' ? `network ${formatMs(r.networkMs)}, ` : ''
      title.textContent = `${r.model} on ${whereRan(r)}: ${network}queue ${formatMs(r.queueMs)}, compute ${formatMs(r.computeMs)}`
      compute.append(title)
      chart.append(compute, queue, net)
    })
    for (const [v, cls] of [
      [p50, 'p50'],
      [p95, 'p95'],
    ] as const) {
      chart.append(svg('line', { x1: 0, x2: VW, y1: y(v), y2: y(v), class: cls }))
    }
    const row = (label: string, values: number[]) =>
      h(
        'tr',
        {},
        h('th', { scope: 'row' }, label),
        h('td', {}, formatMs(percentile(values, 50))),
        h('td', {}, formatMs(percentile(values, 95))),
      )
    render(
      table,
      h(
        'caption',
        { class: 'muted' },
        `${shown}: last ${runs.length} runs on ${[...new Set(runs.map((r) => whereRan(r)))].join(', ')}`,
      ),
      h('tr', {}, h('th', {}, ''), h('th', { scope: 'col' }, 'p50'), h('th', { scope: 'col' }, 'p95')),
      row(
        'queue',
        runs.map((r) => r.queueMs),
      ),
      row(
        'compute',
        runs.map((r) => r.computeMs),
      ),
      runs.some((r) => r.placement === 'edge') &&
        row(
          'network',
          runs.filter((r) => r.placement === 'edge').map((r) => r.networkMs),
        ),
      row('total', totals),
    )
  }

  app.on('run', () => {
    if (pending) return
    pending = true
    requestAnimationFrame(draw)
  })
  draw()
}
