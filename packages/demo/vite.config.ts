// Vite build of the playground: a relative base (it can be served under any path, e.g. by the registry
// server at `/`), ONNX Runtime Web's files copied next to the runtime, and a Workbox service worker that
// precaches the app shell, the runtime and those files so the page works offline.
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { defineConfig, type Plugin } from 'vite'
import { VitePWA } from 'vite-plugin-pwa'

const here = dirname(fileURLToPath(import.meta.url))
const runtimeBrowser = join(here, '..', 'runtime', 'dist', 'browser')

/**
 * Copies ONNX Runtime Web's `.wasm`/`.mjs` files from the runtime's browser build into `dist/ort/` (the page
 * gives the runtime `wasmPaths: './ort/'`), and drops the copies Vite would emit from ORT's bundles: they
 * are never fetched, and one of them (the JSEP build, 28 MB) is not used by the runtime at all.
 */
function ortFiles(): Plugin {
  return {
    name: 'ferry-ort-files',
    apply: 'build',
    generateBundle(_options, bundle) {
      for (const key of Object.keys(bundle)) if (/(^|\/)ort-wasm[^/]*\.wasm$/.test(key)) delete bundle[key]
    },
    writeBundle(options) {
      copyOrt(join(options.dir ?? join(here, 'dist'), 'ort'))
    },
  }
}

/** Serves the runtime's ORT files at `ort/` under `vite` (dev), as the build copies them. */
function ortDevFiles(): Plugin {
  return {
    name: 'ferry-ort-dev-files',
    apply: 'serve',
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const m = /\/ort\/(ort-[\w.-]+\.(wasm|mjs))$/.exec(req.url?.split('?')[0] ?? '')
        if (!m?.[1] || !existsSync(join(runtimeBrowser, m[1]))) return next()
        res.setHeader('Content-Type', m[2] === 'wasm' ? 'application/wasm' : 'text/javascript')
        res.end(readFileSync(join(runtimeBrowser, m[1])))
      })
    },
  }
}

/** Copies the ORT files of the runtime's browser build into `out`. */
function copyOrt(out: string): void {
  if (!existsSync(runtimeBrowser))
    throw new Error(`${runtimeBrowser} is missing: run \`npm run build -w packages/runtime\` first`)
  mkdirSync(out, { recursive: true })
  for (const f of readdirSync(runtimeBrowser))
    if (/^ort-.*\.(wasm|mjs)$/.test(f)) copyFileSync(join(runtimeBrowser, f), join(out, f))
}

export default defineConfig({
  base: './',
  build: { target: 'es2022', outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 1500 },
  worker: { format: 'es' },
  server: {
    // `npx vite` in packages/demo: proxy the registry API to a local registry (FERRY_REGISTRY).
    proxy: Object.fromEntries(
      ['/v1', '/metrics'].map((p) => [p, process.env.FERRY_REGISTRY ?? 'http://localhost:8080']),
    ),
  },
  plugins: [
    ortFiles(),
    ortDevFiles(),
    VitePWA({
      strategies: 'generateSW',
      registerType: 'autoUpdate',
      injectRegister: null,
      filename: 'sw.js',
      manifest: {
        name: 'Ferry playground',
        short_name: 'Ferry',
        description: 'Run ONNX models from a Ferry registry on this device: WebGPU, WASM, offline.',
        start_url: './',
        scope: './',
        display: 'standalone',
        background_color: '#0e121b',
        theme_color: '#1d4ed8',
        icons: [
          { src: 'icons/icon-192.png', sizes: '192x192', type: 'image/png' },
          { src: 'icons/icon-512.png', sizes: '512x512', type: 'image/png' },
          { src: 'icons/maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
        ],
      },
      workbox: {
        // The ORT files are copied after Vite writes its bundle, so they are listed from `dist` by glob.
        globPatterns: ['**/*.{js,mjs,css,html,wasm,png,json,webmanifest}'],
        maximumFileSizeToCacheInBytes: 64 * 1024 * 1024,
        cleanupOutdatedCaches: true,
        clientsClaim: true,
        skipWaiting: true,
        navigateFallback: 'index.html',
        // The registry's own pages and API are never answered with the app shell.
        navigateFallbackDenylist: [/\/v1\//, /\/metrics$/],
        runtimeCaching: [
          {
            // Registry listings (not manifests or blobs: the runtime's own cache keeps those, once).
            urlPattern: ({ url }) => /\/v1\/models(\/[^/]+)?$/.test(url.pathname),
            handler: 'NetworkFirst',
            options: { cacheName: 'ferry-registry-listings', networkTimeoutSeconds: 3 },
          },
        ],
      },
    }),
  ],
})
