// Telemetry as the runtime reports it: events sent, queued and dropped (`ferry.telemetry.stats()`), the
// batches posted to the collector, and the event stream.
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
      `The runtime batches these events and posts them to ${endpoint} every few seconds; offline, they wait on the device. Sent, queued and dropped are the runtime's own counts (ferry.telemetry.stats()).`,
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
    // The runtime's own counts (`ferry.telemetry.stats()`), over every runtime this page opened.
    const s = app.telemetry()
    const items: [string, string | number, string][] = [
      ['events', seen, 'events the runtime reported to this page'],
      ['sent', s.sent, 'events the collector accepted'],
      ['queued', s.queued, 'events waiting to be sent (kept on the device while offline)'],
      ['dropped', s.dropped, 'events given up: refused by the collector, or past the offline limit'],
      ['batches posted', `${posts}${lastStatus ? ` (${lastStatus})` : ''}`, 'requests seen by the browser'],
    ]
    render(
      counters,
      items.map(([k, v, title]) =>
        h('div', { 'data-counter': k, title }, h('dt', {}, k), h('dd', {}, String(v))),
      ),
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
