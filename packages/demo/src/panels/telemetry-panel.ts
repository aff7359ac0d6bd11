// Telemetry as the runtime reports it: events sent and queued for the collector, and the event stream.
import type { TelemetryEvent } from '@ferry/protocol'
import type { App } from '../app.js'
import { formatMs, h, render } from '../ui/dom.js'

function describe(e: TelemetryEvent): string {
  switch (e.type) {
    case 'load':
      return `load ${e.model} v${e.version} on ${e.backend} from ${e.source} in ${formatMs(e.ms)}`
    case 'inference':
      return `inference ${e.model} v${e.version} ×${e.batch} on ${e.backend}: queue ${formatMs(e.queueMs)}, compute ${formatMs(e.computeMs)}${e.ok ? '' : ' (failed)'}`
    case 'fallback':
      return `fallback ${e.model} v${e.version} ${e.from}→${e.to}: ${e.reason}`
    case 'cache':
      return `cache ${e.action} ${e.model} v${e.version}`
    case 'error':
      return `error ${e.code}${e.model ? ` (${e.model})` : ''}`
  }
}

/** Mounts the telemetry panel into `root`. */
export function mountTelemetryPanel(root: HTMLElement, app: App): void {
  const counters = h('dl', { id: 'telemetry-counters', class: 'counters' })
  const stream = h('ol', { id: 'telemetry-stream', class: 'log small', reversed: true })
  const endpoint = new URL('v1/telemetry', app.registry).href
  render(
    root,
    h(
      'p',
      { class: 'muted small' },
      `The runtime batches these events and posts them to ${endpoint}; offline, they wait on the device.`,
    ),
    counters,
    h('h3', {}, 'Event stream'),
    stream,
  )
  let seen = 0
  let posts = 0
  let lastStatus = ''

  // Batches the runtime posted, as the browser's resource timing records them.
  if (typeof PerformanceObserver !== 'undefined') {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries() as PerformanceResourceTiming[]) {
        if (!e.name.startsWith(endpoint)) continue
        posts++
        const status = (e as { responseStatus?: number }).responseStatus
        lastStatus = status ? `HTTP ${status}` : ''
      }
      drawCounters()
    }).observe({ type: 'resource', buffered: true })
  }

  function drawCounters(): void {
    const s = app.runtime().telemetry()
    const items: [string, string | number | undefined][] = [
      ['events', seen],
      ['batches posted', `${posts}${lastStatus ? ` (${lastStatus})` : ''}`],
      ['sent', s?.sent],
      ['queued', s?.queued],
      ['dropped', s?.dropped],
    ]
    render(
      counters,
      items
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => h('div', { 'data-counter': k }, h('dt', {}, k), h('dd', {}, String(v)))),
    )
  }

  app.on('event', (e) => {
    seen++
    stream.prepend(
      h('li', { class: `ev-${e.type}` }, `${new Date(e.ts).toLocaleTimeString()} ${describe(e)}`),
    )
    while (stream.children.length > 60) stream.lastElementChild?.remove()
    drawCounters()
  })
  app.on('runtime', drawCounters)
  setInterval(drawCounters, 2000)
  drawCounters()
}
