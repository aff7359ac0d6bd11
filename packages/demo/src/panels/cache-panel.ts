// What is stored on this device: each cached version with its size, pin and delete buttons, the bytes
// used against the budget and the browser's quota, and evictions as they happen.
import type { TelemetryEvent } from '@ferry/protocol'
import type { CacheEntry } from '@ferry/runtime'
import type { App } from '../app.js'
import { formatBytes, h, render } from '../ui/dom.js'

/** Mounts the cache panel into `root`. */
export function mountCachePanel(root: HTMLElement, app: App): void {
  const usage = h('progress', { id: 'cache-usage', max: 1, value: 0, 'aria-label': 'Cache used of budget' })
  const usageText = h('p', { class: 'small', id: 'cache-usage-text' })
  const over = h('p', { class: 'small warn', id: 'cache-over', hidden: true })
  const policy = h(
    'p',
    { class: 'muted small', id: 'cache-policy' },
    'When a new version needs room, the least recently used versions go first. Pinned versions and versions being loaded are never evicted; models in memory keep running even when their bytes go. A version bigger than the room left runs uncached (a quota event).',
  )
  const table = h('table', { id: 'cache-table', class: 'small' })
  const log = h('ul', { id: 'cache-log', class: 'log small', 'aria-live': 'polite' })
  const clearBtn = h(
    'button',
    {
      type: 'button',
      onclick: () =>
        void act(() => {
          for (const key of shown) gone.add(key)
          return app.runtime().cache.clear()
        }),
    },
    'Clear all',
  )
  const refreshBtn = h('button', { type: 'button', onclick: () => void refresh() }, 'Refresh')
  const MB = 1024 * 1024
  const budget = h(
    'select',
    {
      id: 'cache-budget',
      'aria-label': 'Cache budget',
      onchange: () =>
        void app.setCacheBudget(budget.value ? Number(budget.value) : null).catch((err: Error) => {
          usageText.textContent = `Failed: ${err.message}`
        }),
    },
    h('option', { value: '' }, 'runtime default'),
    // 256 KB is below every seeded model: with an edge, Auto then runs them there (over-device-budget).
    h('option', { value: MB / 4 }, '256 KB'),
    [2, 8, 64, 512].map((n) => h('option', { value: n * MB }, `${n} MB`)),
  )
  budget.value = app.cacheBudget === null ? '' : String(app.cacheBudget)
  render(
    root,
    h('div', { class: 'row small' }, h('label', { for: 'cache-budget' }, 'Budget'), budget),
    usage,
    usageText,
    over,
    policy,
    table,
    h('div', { class: 'row' }, refreshBtn, clearBtn),
    h('h3', {}, 'Cache events'),
    log,
  )

  async function act(fn: () => Promise<unknown>): Promise<void> {
    try {
      await fn()
    } catch (err) {
      usageText.textContent = `Failed: ${(err as Error).message}`
    }
    await refresh()
  }

  /** What the table showed last, and what left it by the visitor's hand or a logged event since. */
  let shown = new Set<string>()
  const gone = new Set<string>()
  /** Evictions this panel noticed itself; the runtime's own event for them is then not logged twice. */
  const noticed = new Set<string>()
  let refreshing: Promise<void> | null = null
  let again = false
  /** Re-reads the cache; a request that comes while a read is running gets one more read after it. */
  async function refresh(): Promise<void> {
    if (refreshing) {
      again = true
      return refreshing
    }
    refreshing = (async () => {
      do {
        again = false
        await doRefresh()
      } while (again)
    })().finally(() => {
      refreshing = null
    })
    return refreshing
  }

  async function doRefresh(): Promise<void> {
    const cache = app.runtime().cache
    const [entries, est] = await Promise.all([cache.list(), cache.estimate()]).catch(
      () => [null, null] as const,
    )
    if (!entries) return
    // Versions that vanished without the visitor deleting them were evicted (the runtime may also say so).
    const now = new Set(entries.map((e) => `${e.name} v${e.version}`))
    for (const key of shown)
      if (!now.has(key) && !gone.has(key)) {
        noticed.add(key)
        note(`evicted ${key}`, 'cache-evict')
      }
    shown = now
    gone.clear()
    if (est) {
      usage.max = Math.max(1, est.budget)
      usage.value = est.used
      usageText.textContent = `${formatBytes(est.used)} used of a ${formatBytes(est.budget)} budget${
        est.quota !== undefined
          ? ` · browser quota ${formatBytes(est.quota)} (${formatBytes(est.usage)} used by this site)`
          : ''
      }`
      explainOver(est.used, est.budget, entries)
    }
    const head = h(
      'tr',
      {},
      ['model', 'size', 'last used', ''].map((t) => h('th', { scope: 'col' }, t)),
    )
    const rows = entries.map((e) =>
      h(
        'tr',
        { 'data-model': e.name, 'data-version': e.version },
        h(
          'td',
          {},
          h('strong', {}, e.name),
          ` v${e.version}`,
          e.pinned && h('span', { class: 'tag' }, 'pinned'),
          e.inMemory && h('span', { class: 'tag' }, 'in memory'),
          !e.complete && h('span', { class: 'tag' }, 'partial'),
        ),
        h('td', {}, formatBytes(e.bytes)),
        h(
          'td',
          {},
          e.lastUsed ? new Date(e.lastUsed).toLocaleTimeString() : '–',
          h('div', { class: 'muted' }, `${e.uses} use${e.uses === 1 ? '' : 's'}`),
        ),
        h(
          'td',
          { class: 'actions' },
          h(
            'button',
            {
              type: 'button',
              class: 'pin',
              'aria-pressed': String(e.pinned),
              'aria-label': `${e.pinned ? 'Unpin' : 'Pin'} ${e.name} v${e.version}`,
              onclick: () => void act(() => app.runtime().cache.setPinned(e.name, e.version, !e.pinned)),
            },
            e.pinned ? 'Unpin' : 'Pin',
          ),
          h(
            'button',
            {
              type: 'button',
              class: 'delete danger',
              'aria-label': `Delete ${e.name} v${e.version} from this device`,
              onclick: () =>
                void act(async () => {
                  gone.add(`${e.name} v${e.version}`)
                  await app.runtime().cache.delete(e.name, e.version)
                  note(
                    `deleted ${e.name} v${e.version} (${formatBytes(e.bytes)}) from this device`,
                    'cache-delete',
                  )
                }),
            },
            'Delete',
          ),
        ),
      ),
    )
    render(
      table,
      head,
      rows.length
        ? rows
        : h('tr', {}, h('td', { colspan: 4, class: 'muted' }, 'Nothing cached on this device yet.')),
    )
  }

  /** Says why the cache can hold more than its budget, and what goes when. */
  function explainOver(used: number, budget: number, entries: CacheEntry[]): void {
    over.hidden = used <= budget
    if (over.hidden) return
    const kept = (pred: (e: CacheEntry) => boolean) =>
      entries.filter(pred).map((e) => `${e.name} v${e.version}`)
    const pinned = kept((e) => e.pinned)
    const inMemory = kept((e) => e.inMemory && !e.pinned)
    over.textContent = [
      `${formatBytes(used - budget)} over the budget: the cache evicts only when it stores a new version (a smaller budget applies from the next store).`,
      pinned.length ? ` Pinned, never evicted: ${pinned.join(', ')}.` : '',
      inMemory.length
        ? ` In memory (${inMemory.join(', ')}): these keep running from memory even if their bytes are evicted.`
        : '',
    ].join('')
  }

  function note(text: string, cls: string, ts = Date.now()): void {
    log.prepend(h('li', { class: cls }, `${new Date(ts).toLocaleTimeString()} ${text}`))
    while (log.children.length > 30) log.lastElementChild?.remove()
  }

  function logEvent(e: TelemetryEvent): void {
    if (e.type !== 'cache') return
    if (e.action === 'evict' || e.action === 'store' || e.action === 'corrupt' || e.action === 'quota') {
      const key = `${e.model} v${e.version}`
      if (e.action === 'evict') {
        gone.add(key)
        if (noticed.delete(key)) return
      }
      const size = e.bytes !== undefined ? ` (${formatBytes(e.bytes)})` : ''
      note(`${e.action} ${e.model} v${e.version}${size}`, `cache-${e.action}`, e.ts)
    }
    void refresh()
  }

  app.on('event', logEvent)
  app.on('models', () => void refresh())
  app.on('runtime', () => {
    // A new runtime may come with a new cache: what the old one showed did not get evicted.
    shown = new Set()
    void refresh()
  })
  void refresh()
}
