// Backend choice (auto / WebGPU / WASM), placement (auto / device / edge, with a Ferry Edge server), the
// byte progress of the current load with its source (network or device cache), and the models loaded,
// each with where it really runs (the device's backend, or the edge and the edge's backend) and why.
import type { App, LoadedModel, PlacementChoice } from '../app.js'
import { whereIs } from '../lib/run-info.js'
import { describeGpu, type GpuStatus } from '../lib/webgpu-status.js'
import type { BackendChoice } from '../runtime.js'
import { formatBytes, formatMs, h, render } from '../ui/dom.js'

const CHOICES: { value: BackendChoice; label: string }[] = [
  { value: 'auto', label: 'Auto' },
  { value: 'webgpu', label: 'WebGPU' },
  { value: 'wasm', label: 'WASM' },
]

const PLACEMENTS: { value: PlacementChoice; label: string }[] = [
  { value: 'auto', label: 'Auto' },
  { value: 'device', label: 'Device' },
  { value: 'edge', label: 'Edge' },
]

/** Why a model is not on its first device: on the edge, why not on the device. */
function fallbackText(m: LoadedModel): string {
  const f = m.fallback
  if (!f) return ''
  if (m.placement !== 'edge') return `Not on ${f.from}: ${f.reason}`
  return f.reason === 'warm-start'
    ? `On the edge while ${f.from} downloads and compiles (warm start); calls move to the device once it is ready`
    : `On the edge, not on ${f.from}: ${f.reason}`
}

/** What the status line says of a model once loaded (on the edge: while the device downloads it, too). */
function readyText(m: LoadedModel): string {
  const head = `${m.name} v${m.version} ready`
  if (m.placement === 'edge')
    return m.fallback?.reason === 'warm-start'
      ? `${head} on ${whereIs(m)} in ${formatMs(m.loadMs)}; this device downloads it meanwhile.`
      : `${head} on ${whereIs(m)} in ${formatMs(m.loadMs)}.`
  const from = m.source === 'network' ? 'the network' : m.source === 'cache' ? 'the device cache' : m.source
  return `${head}: ${formatBytes(m.bytes)} from ${from} in ${formatMs(m.loadMs)}.`
}

/** Mounts the backend and load panel into `root`. */
export function mountLoadPanel(root: HTMLElement, app: App): void {
  const radios = h(
    'fieldset',
    { class: 'segmented' },
    h('legend', {}, 'Backend'),
    CHOICES.map((c) =>
      h(
        'label',
        {},
        h('input', {
          type: 'radio',
          name: 'backend',
          value: c.value,
          checked: c.value === app.backend,
          onchange: () => void switchTo(c.value),
        }),
        h('span', {}, c.label),
      ),
    ),
  )
  const gpuNote = h('p', { id: 'gpu-note', class: 'muted small' })
  const placement = h(
    'fieldset',
    { class: 'segmented', id: 'placement' },
    h('legend', {}, 'Placement'),
    PLACEMENTS.map((c) =>
      h(
        'label',
        {},
        h('input', {
          type: 'radio',
          name: 'placement',
          value: c.value,
          checked: c.value === app.placement,
          disabled: app.edge === null,
          onchange: () => void placeOn(c.value),
        }),
        h('span', {}, c.label),
      ),
    ),
  )
  const edgeNote = h(
    'p',
    { id: 'edge-note', class: 'muted small' },
    app.edge === null
      ? 'No Ferry Edge server: models run on this device. `npm start` serves one (the page finds it in edge.json), or open the page with ?edge=<its URL>.'
      : `Ferry Edge at ${app.edge}: Auto runs a model on this device when it can within the session and cache budgets (lower the cache budget below a model's size to see it move), and on the edge when it cannot; a model not yet on this device is answered by the edge while it downloads.`,
  )
  const bar = h('progress', { id: 'load-progress', max: 1, value: 0, 'aria-label': 'Download progress' })
  const barText = h(
    'p',
    { id: 'load-status', class: 'small', role: 'status', 'aria-live': 'polite' },
    'Idle.',
  )
  const loaded = h('ul', { id: 'loaded-models', class: 'loaded' })
  render(root, radios, gpuNote, placement, edgeNote, bar, barText, h('h3', {}, 'Loaded models'), loaded)

  const showGpu = (s: GpuStatus) => {
    gpuNote.textContent = describeGpu(s)
    gpuNote.dataset.gpu = s.kind
  }
  showGpu(app.gpu)
  app.on('gpu', showGpu)

  async function switchTo(choice: BackendChoice): Promise<void> {
    const n = app.wanted.size
    barText.className = 'small'
    barText.textContent = `Switching to ${choice}${n ? `: loading ${n} model${n === 1 ? '' : 's'} on it…` : '…'}`
    try {
      await app.setBackend(choice)
    } catch (err) {
      barText.textContent = `Switching failed: ${(err as Error).message}`
      return
    }
    // Several quick switches settle together: say what the page ended up with.
    if (!app.busy) barText.textContent = `Backend choice: ${app.backend}.`
  }

  async function placeOn(choice: PlacementChoice): Promise<void> {
    barText.className = 'small'
    barText.textContent = `Placement ${choice}: loading the models again…`
    try {
      await app.setPlacement(choice)
    } catch (err) {
      barText.textContent = `Switching failed: ${(err as Error).message}`
      return
    }
    if (!app.busy) barText.textContent = `Placement: ${app.placement}.`
  }

  app.on('progress', (p) => {
    bar.max = Math.max(1, p.total)
    bar.value = p.phase === 'ready' ? bar.max : p.loaded
    barText.textContent = `${p.name}: ${p.phase} — ${formatBytes(p.loaded)} of ${formatBytes(p.total)}`
  })
  app.on('loadError', (e) => {
    barText.textContent = `${e.name}: ${e.code} — ${e.message}`
    barText.className = 'small error'
    drawModels()
  })

  app.on('models', () => {
    barText.className = 'small'
    const last = [...app.models.values()].at(-1)
    if (last) barText.textContent = readyText(last)
    drawModels()
  })

  function drawModels(): void {
    const models = [...app.models.values()]
    // Models asked for but not on this runtime (yet): loading, or why their last load failed.
    const missing = [...app.wanted].filter(([name]) => !app.models.has(name))
    render(
      loaded,
      models.length === 0 && missing.length === 0
        ? h('li', { class: 'muted' }, 'None yet: pick a model and press Load.')
        : models.map((m) =>
            h(
              'li',
              { 'data-model': m.name },
              h('strong', {}, `${m.name} v${m.version}`),
              h(
                'span',
                { class: `tag placement-${m.placement}`, 'data-testid': 'placement' },
                m.placement === 'edge' ? `edge (${m.edgeBackend ?? '?'})` : 'device',
              ),
              h('span', { class: `tag backend-${m.backend}`, 'data-testid': 'backend' }, m.backend),
              h('span', { class: 'tag', 'data-testid': 'source' }, m.source),
              h('span', { class: 'muted small' }, ` ${formatBytes(m.bytes)} · ${formatMs(m.loadMs)} `),
              h(
                'button',
                {
                  type: 'button',
                  class: 'link unload',
                  'aria-label': `Unload ${m.name}`,
                  onclick: () => void app.unload(m.name),
                },
                'Unload',
              ),
              m.fallback && h('div', { class: 'small fallback', 'data-testid': 'fallback' }, fallbackText(m)),
            ),
          ),
      missing.map(([name, version]) => {
        const err = app.loadErrors.get(name)
        return h(
          'li',
          { 'data-wanted': name },
          h('strong', {}, `${name} ${typeof version === 'number' ? `v${version}` : version}`),
          err
            ? [
                h('span', { class: 'small error' }, ` not loaded: ${err.code} — ${err.message} `),
                h(
                  'button',
                  {
                    type: 'button',
                    class: 'link',
                    onclick: () => void app.load(name, version).catch(() => {}),
                  },
                  'Retry',
                ),
                h(
                  'button',
                  { type: 'button', class: 'link', onclick: () => void app.unload(name) },
                  'Forget',
                ),
              ]
            : h('span', { class: 'muted small' }, ' loading…'),
        )
      }),
    )
  }
}
