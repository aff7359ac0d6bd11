// The playground's entry: reads the registry URL (?registry=, default this origin) and the Ferry Edge
// server's (?edge=, else edge.json next to the page, which `npm start` writes), builds the app state and
// mounts every panel.
import { App } from './app.js'
import { mountCachePanel } from './panels/cache-panel.js'
import { mountDigitsPanel } from './panels/digits-panel.js'
import { mountLatencyPanel } from './panels/latency-panel.js'
import { mountLoadPanel } from './panels/load-panel.js'
import { mountOcrPanel } from './panels/ocr-panel.js'
import { mountRegistryPanel } from './panels/registry-panel.js'
import { mountTelemetryPanel } from './panels/telemetry-panel.js'
import { setupPwa } from './pwa.js'
import type { BackendChoice } from './runtime.js'
import './style.css'
import './panels.css'
import { byId } from './ui/dom.js'

const params = new URLSearchParams(location.search)
const registry = new URL(params.get('registry') ?? '/', location.href)
if (!registry.pathname.endsWith('/')) registry.pathname += '/'

const app = new App(registry.href)
const backend = params.get('backend')
if (backend === 'webgpu' || backend === 'wasm' || backend === 'auto') app.backend = backend as BackendChoice
const budget = Number(params.get('cacheBudget'))
if (budget > 0) app.cacheBudget = budget
const placement = params.get('placement')
if (placement === 'auto' || placement === 'device' || placement === 'edge') app.placement = placement
app.edge = await edgeUrl()

/**
 * `?edge=<URL>` (`?edge=` alone: none), else `edge.json` next to the page: `{ "edge": "<URL>" }`, or
 * `{ "port": 8000 }` for an edge on this page's host (what `npm start` writes), else null (device only).
 */
async function edgeUrl(): Promise<string | null> {
  const given = params.get('edge')
  if (given !== null) return given ? new URL(given, location.href).href : null
  try {
    const res = await fetch(new URL('edge.json', document.baseURI), { signal: AbortSignal.timeout(2000) })
    const body = res.ok ? ((await res.json()) as { edge?: unknown; port?: unknown }) : null
    if (typeof body?.edge === 'string') return new URL(body.edge, location.href).href
    if (Number.isInteger(body?.port)) return `${location.protocol}//${location.hostname}:${body?.port}/`
    return null
  } catch {
    return null // offline, or no edge.json: this device only
  }
}

mountRegistryPanel(byId('registry-panel'), app)
mountLoadPanel(byId('load-panel'), app)
mountDigitsPanel(byId('digits-panel'), app)
mountOcrPanel(byId('ocr-panel'), app)
mountLatencyPanel(byId('latency-panel'), app)
mountCachePanel(byId('cache-panel'), app)
mountTelemetryPanel(byId('telemetry-panel'), app)
setupPwa()

// For the end-to-end tests and the curious: the app state on the console.
;(globalThis as { ferryPlayground?: App }).ferryPlayground = app
