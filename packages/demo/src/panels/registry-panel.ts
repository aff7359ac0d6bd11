// Browse the registry: models with their aliases, then one model's versions; pick one and load it.
// With the registry unreachable it lists what this device has cached instead.
import type { ModelDetail, ModelListing } from '@ferry/protocol'
import type { App } from '../app.js'
import { formatBytes, h, render } from '../ui/dom.js'

/** Mounts the registry browser into `root`. */
export function mountRegistryPanel(root: HTMLElement, app: App): { refresh(): Promise<void> } {
  const list = h('ul', { class: 'model-list', 'aria-label': 'Models in the registry' })
  const detail = h('div', { class: 'model-detail' })
  const note = h('p', { class: 'muted', role: 'status' })
  render(root, note, list, detail)
  let selected: string | null = null

  async function refresh(): Promise<void> {
    note.textContent = 'Asking the registry…'
    try {
      const res = await fetch(new URL('v1/models', app.registry))
      if (!res.ok) throw new Error(`HTTP ${res.status}`)
      const { models } = (await res.json()) as ModelListing
      note.textContent = models.length
        ? `${models.length} model${models.length === 1 ? '' : 's'} at ${app.registry}`
        : 'The registry is empty.'
      render(
        list,
        models.map((m) =>
          h(
            'li',
            {},
            h(
              'button',
              {
                class: 'model-pick',
                'data-model': m.name,
                'aria-pressed': String(m.name === selected),
                onclick: () => void select(m.name),
              },
              h('strong', {}, m.name),
              h('span', { class: 'muted' }, ` v${m.latestVersion}`),
              ...Object.entries(m.aliases).map(([a, v]) => h('span', { class: 'tag' }, `${a}→${v}`)),
            ),
          ),
        ),
      )
      if (!selected && models[0])
        await select(models.find((m) => m.name === 'digits')?.name ?? models[0].name)
    } catch (err) {
      await showCached(err)
    }
  }

  async function showCached(err: unknown): Promise<void> {
    const entries = await app
      .runtime()
      .cache.list()
      .catch(() => [])
    note.textContent = `Registry unreachable (${(err as Error).message}). Models cached on this device:`
    render(
      list,
      entries.length === 0
        ? h('li', { class: 'muted' }, 'none')
        : entries.map((e) =>
            h(
              'li',
              {},
              h(
                'button',
                { class: 'model-pick', 'data-model': e.name, onclick: () => void load(e.name, e.version) },
                h('strong', {}, e.name),
                h('span', { class: 'muted' }, ` v${e.version} · ${formatBytes(e.bytes)}`),
              ),
            ),
          ),
    )
    render(detail)
  }

  async function select(name: string): Promise<void> {
    selected = name
    for (const b of list.querySelectorAll<HTMLButtonElement>('.model-pick'))
      b.setAttribute('aria-pressed', String(b.dataset.model === name))
    render(detail, h('p', { class: 'muted' }, `Loading ${name}'s versions…`))
    try {
      const res = await fetch(new URL(`v1/models/${encodeURIComponent(name)}`, app.registry))
      if (!res.ok) throw new Error(`HTTP ${res.status}`)
      const m = (await res.json()) as ModelDetail
      const options = [
        ...Object.entries(m.aliases).map(([a, v]) => ({ value: a, text: `${a} (→ v${v})` })),
        ...[...m.versions]
          .sort((a, b) => b.version - a.version)
          .map((v) => ({
            value: String(v.version),
            text: `v${v.version} · ${formatBytes(v.size)} · ${new Date(v.createdAt).toLocaleDateString()}`,
          })),
      ]
      const pick = h(
        'select',
        { id: 'version-select', 'aria-label': `Version of ${name}` },
        options.map((o) => h('option', { value: o.value }, o.text)),
      )
      render(
        detail,
        h('label', { for: 'version-select' }, `Version of `, h('strong', {}, name)),
        h(
          'div',
          { class: 'row' },
          pick,
          h(
            'button',
            {
              id: 'load-selected',
              class: 'primary',
              onclick: () => void load(name, /^\d+$/.test(pick.value) ? Number(pick.value) : pick.value),
            },
            'Load',
          ),
        ),
      )
    } catch (err) {
      render(detail, h('p', { class: 'error' }, `Could not read ${name}: ${(err as Error).message}`))
    }
  }

  async function load(name: string, version: number | string): Promise<void> {
    await app.load(name, version).catch(() => {})
  }

  void refresh()
  return { refresh }
}
