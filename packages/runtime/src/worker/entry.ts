/** Worker entry for bundlers (Vite etc.): ONNX Runtime Web comes from the `onnxruntime-web` package. */
import { bundledOrt } from '../platform/bundler.js'
import { serveEngineWorker } from '../platform/worker.js'

serveEngineWorker({ loadOrt: bundledOrt })
