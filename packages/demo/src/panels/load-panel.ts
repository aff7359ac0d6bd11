// Backend choice (auto / WebGPU / WASM), the byte progress of the current load with its source
// (network or device cache), and the models loaded, each with the backend that really runs it.
import type { App } from '../app.js'
import { describeGpu, type GpuStatus } from '../lib/webgpu-status.js'
import type { BackendChoice } from '../runtime.js'
import { formatBytes, formatMs, h, render } from '../ui/dom.js'

const CHOICES: { value: BackendChoice; label: string }[] = [
  { value: 'auto', label: 'Auto' },
  { value: 'webgpu', label: 'WebGPU' },
  { value: 'wasm', label: 'WASM' },
]

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
  const bar = h('progress', { id: 'load-progress', max: 1, value: 0, 'aria-label': 'Download progress' })
  const barText = h(
    'p',
    { id: 'load-status', class: 'small', role: 'status', 'aria-live': 'polite' },
    'Idle.',
  )
  const loaded = h('ul', { id: 'loaded-models', class: 'loaded' })
  render(root, radios, gpuNote, bar, barText, h('h3', {}, 'Loaded models'), loaded)

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
    if (last)
      barText.textContent = `${last.name} v${last.version} ready: ${formatBytes(last.bytes)} from ${
        last.source === 'network' ? 'the network' : last.source === 'cache' ? 'the device cache' : last.source
      } in ${formatMs(last.loadMs)}.`
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
              m.fallback &&
                h(
                  'div',
                  { class: 'small fallback', 'data-testid': 'fallback' },
                  `Not on ${m.fallback.from}: ${m.fallback.reason}`,
                ),
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
