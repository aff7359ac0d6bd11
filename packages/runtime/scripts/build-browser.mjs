// Builds dist/browser/: ferry.js (classic script, global `Ferry`), ferry.mjs (ESM), ferry-worker.mjs,
// ferry-edge.mjs (the placement code, loaded only by runtimes created with `edge`) and ONNX Runtime Web's
// files; prints the runtime's own JavaScript size (min+gzip, without ORT), and the edge file's apart.
import { copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import { build } from 'esbuild'
import { minify } from 'terser'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const out = join(root, 'dist/browser')
const require = createRequire(import.meta.url)
const ortDist = dirname(require.resolve('onnxruntime-web/ort-wasm-simd-threaded.wasm', { paths: [root] }))

const ORT_FILES = [
  'ort.webgpu.min.mjs',
  'ort.wasm.min.mjs',
  'ort-wasm-simd-threaded.asyncify.mjs',
  'ort-wasm-simd-threaded.asyncify.wasm',
  'ort-wasm-simd-threaded.mjs',
  'ort-wasm-simd-threaded.wasm',
]

const common = {
  bundle: true,
  minify: true,
  sourcemap: true,
  target: 'es2022',
  platform: 'browser',
  conditions: ['@ferry/source'],
  legalComments: 'none',
  logLevel: 'warning',
}

await rm(out, { recursive: true, force: true })
await mkdir(out, { recursive: true })
await Promise.all([
  build({
    ...common,
    entryPoints: [join(root, 'src/web/script.ts')],
    // The entry sets the global `Ferry` itself.
    format: 'iife',
    outfile: join(out, 'ferry.js'),
  }),
  build({
    ...common,
    entryPoints: [join(root, 'src/web/module.ts')],
    format: 'esm',
    outfile: join(out, 'ferry.mjs'),
  }),
  build({
    ...common,
    entryPoints: [join(root, 'src/worker/browser-entry.ts')],
    format: 'esm',
    outfile: join(out, 'ferry-worker.mjs'),
  }),
  build({
    ...common,
    entryPoints: [join(root, 'src/placement/index.ts')],
    format: 'esm',
    outfile: join(out, 'ferry-edge.mjs'),
  }),
])

/**
 * esbuild bundles and minifies; terser then minifies the bundles harder (compress passes, better
 * mangling: about 5% smaller gzipped, same code) and composes its source map with esbuild's.
 */
async function squeeze(file, module) {
  const path = join(out, file)
  const [code, map] = await Promise.all([readFile(path, 'utf8'), readFile(`${path}.map`, 'utf8')])
  const r = await minify(code, {
    ecma: 2022,
    module,
    // Safe for this code: no getter has side effects, nothing reads Function#length or rebinds `this` of a
    // function expression.
    compress: { passes: 3, pure_getters: true, unsafe_arrows: true, keep_fargs: false },
    mangle: true,
    format: { comments: false },
    sourceMap: { content: map, url: `${file}.map`, includeSources: true },
  })
  await Promise.all([writeFile(path, r.code), writeFile(`${path}.map`, r.map)])
}
await Promise.all([
  squeeze('ferry.js', false),
  squeeze('ferry.mjs', true),
  squeeze('ferry-worker.mjs', true),
  squeeze('ferry-edge.mjs', true),
])
for (const f of ORT_FILES) await copyFile(join(ortDist, f), join(out, f))

const size = async (f) => {
  const b = await readFile(join(out, f))
  return { min: b.byteLength, gz: gzipSync(b, { level: 9 }).byteLength }
}
const main = await size('ferry.js')
const worker = await size('ferry-worker.mjs')
const kb = (n) => `${(n / 1024).toFixed(1)} KB`
const total = main.gz + worker.gz
console.log(`ferry.js          ${kb(main.min)} min, ${kb(main.gz)} min+gzip`)
console.log(`ferry-worker.mjs  ${kb(worker.min)} min, ${kb(worker.gz)} min+gzip`)
console.log(
  `runtime's own JS (main + worker, without ONNX Runtime): ${kb(total)} min+gzip (goal <= 25 KB)${total > 25 * 1024 ? '  OVER BUDGET' : ''}`,
)
const edge = await size('ferry-edge.mjs')
console.log(
  `ferry-edge.mjs    ${kb(edge.min)} min, ${kb(edge.gz)} min+gzip (placement: loaded only by runtimes created with \`edge\`)`,
)
console.log(`wrote ${out}`)
