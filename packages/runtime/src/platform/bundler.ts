/** ONNX Runtime Web for bundled apps: its builds come from the `onnxruntime-web` package. */
import type { LoadOrt } from './browser-engine.js'

export const bundledOrt: LoadOrt = (build) =>
  build === 'webgpu' ? import('onnxruntime-web/webgpu') : import('onnxruntime-web/wasm')
