// Registers the service worker (offline app shell) and wires the network status and install button.
import { byId } from './ui/dom.js'

interface InstallPrompt extends Event {
  prompt(): Promise<void>
}

/** Registers `sw.js` next to the page and keeps the header's status pills current. */
export function setupPwa(): void {
  const net = byId('net-status')
  const sw = byId('sw-status')
  const install = byId<HTMLButtonElement>('install')
  const showNet = () => {
    net.textContent = navigator.onLine ? 'online' : 'offline'
    net.classList.toggle('warn', !navigator.onLine)
  }
  addEventListener('online', showNet)
  addEventListener('offline', showNet)
  showNet()

  if (!('serviceWorker' in navigator)) {
    sw.textContent = 'no service worker'
    return
  }
  navigator.serviceWorker
    .register(new URL('sw.js', document.baseURI), { scope: './' })
    .then(async (reg) => {
      await navigator.serviceWorker.ready
      sw.textContent = reg.active ? 'works offline' : 'service worker installing'
      sw.dataset.ready = 'true'
    })
    .catch((err: Error) => {
      sw.textContent = `no offline support (${err.message})`
    })

  let deferred: InstallPrompt | null = null
  addEventListener('beforeinstallprompt', (e) => {
    e.preventDefault()
    deferred = e as InstallPrompt
    install.hidden = false
  })
  install.addEventListener('click', async () => {
    install.hidden = true
    await deferred?.prompt()
    deferred = null
  })
}
