/**
 * The ort-web backend (onnxruntime-web): `webgpu` on the WebGPU build, `wasm` on the plain WASM build (a
 * module of its own, so a WebGPU failure can never leave a WASM session on a broken heap). Everything
 * on the WebGPU device (session creation and runs, across every model) goes through one queue.
 */
import type { BackendName, Manifest } from '@ferry/protocol'
import { sessionOptions, wrapOrtSession } from '../ort-session.js'
import { type Backend, DeviceLostError, type ModelFiles, type Session } from '../types.js'
import { type GPULike, isLost, WebGpu } from './gpu.js'
import { OrtWebBuild, type OrtWebSettings } from './module.js'

export type { GPUAdapterLike, GPUDeviceLike, GPULike } from './gpu.js'

export interface OrtWebOptions extends OrtWebSettings {
  /** Imports onnxruntime-web: its WebGPU build (`ort.webgpu.min.mjs`) or its plain WASM build. */
  load(build: 'webgpu' | 'wasm'): Promise<unknown>
  /** `navigator.gpu` where the host has one. */
  gpu?: GPULike | undefined
  /** Devices to offer (default both: `webgpu` is then probed, and refused with its reason). */
  devices?: readonly ('webgpu' | 'wasm')[]
}

/** External-data files of a version, as ORT takes them. */
export function externalData(files: ModelFiles, manifest: Manifest): { path: string; data: Uint8Array }[] {
  return manifest.files
    .filter((f) => f.role === 'external-data')
    .map((f) => ({ path: f.path, data: files.get(f.path) as Uint8Array }))
}

/** Creates the ort-web backend. */
export function ortWeb(options: OrtWebOptions): Backend {
  const { load, gpu: gpuApi, devices = ['webgpu', 'wasm'], ...settings } = options
  const builds = {
    webgpu: new OrtWebBuild(() => load('webgpu'), 'webgpu', settings),
    wasm: new OrtWebBuild(() => load('wasm'), 'wasm', settings),
  }
  const gpu = new WebGpu(gpuApi)

  async function onGpu(files: ModelFiles, manifest: Manifest): Promise<Session> {
    const ort = await builds.webgpu.get()
    gpu.attach(ort.env)
    const made = await gpu.run(() =>
      ort.InferenceSession.create(files.model, sessionOptions('webgpu', externalData(files, manifest))),
    )
    if (isLost(made)) throw new DeviceLostError(gpu.lost ?? 'device lost')
    return wrapOrtSession(ort, made, {
      device: 'webgpu',
      async around(run) {
        const out = await gpu.run(run)
        if (isLost(out)) throw new DeviceLostError(gpu.lost ?? 'device lost')
        return out
      },
    })
  }

  return {
    name: 'ort-web',
    formats: ['onnx'],
    devices,
    async probe(device: BackendName, explicit: boolean) {
      if (!(devices as readonly string[]).includes(device))
        return { ok: false, reason: `ort-web offers no ${device} device here` }
      if (device === 'wasm') return { ok: true }
      const p = await gpu.probe()
      if (!p.ok) return p
      if (gpu.lost) return { ok: false, reason: 'device-lost' }
      if (p.software && !explicit) return { ok: false, reason: `software-adapter: ${p.software}` }
      return { ok: true }
    },
    async createSession(files, manifest, device) {
      if (device === 'webgpu') return onGpu(files, manifest)
      const ort = await builds.wasm.get()
      const s = await builds.wasm.creates.run(() =>
        ort.InferenceSession.create(files.model, sessionOptions('wasm', externalData(files, manifest))),
      )
      return wrapOrtSession(ort, s, { device: 'wasm' })
    },
  }
}
