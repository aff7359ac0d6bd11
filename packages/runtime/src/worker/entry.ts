/** Worker entry for bundlers (Vite etc.): ONNX Runtime Web comes from the `onnxruntime-web` package. */
import { exposeEngine } from './expose.js'

exposeEngine(self as never, (flavor) =>
  flavor === 'webgpu' ? import('onnxruntime-web/webgpu') : import('onnxruntime-web/wasm'),
)
