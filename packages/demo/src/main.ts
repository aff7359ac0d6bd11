// The playground's entry: reads the registry URL (?registry=, default this origin), builds the app
// state and mounts every panel.
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
import { byId } from './ui/dom.js'

const params = new URLSearchParams(location.search)
const registry = new URL(params.get('registry') ?? '/', location.href)
if (!registry.pathname.endsWith('/')) registry.pathname += '/'

const app = new App(registry.href)
const backend = params.get('backend')
if (backend === 'webgpu' || backend === 'wasm' || backend === 'auto') app.backend = backend as BackendChoice
const budget = Number(params.get('cacheBudget'))
if (budget > 0) app.cacheBudget = budget

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
