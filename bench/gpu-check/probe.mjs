// Deno's WebGPU adapter as wgpu picks it under the current DENO_WEBGPU_BACKEND; prints one JSON line.
const t = performance.now()
const r = { backendEnv: Deno.env.get('DENO_WEBGPU_BACKEND') ?? '(default)', navigatorGpu: !!navigator.gpu }
try {
  const a = await navigator.gpu?.requestAdapter({ powerPreference: 'high-performance' })
  r.adapter = a
    ? {
        vendor: a.info.vendor,
        architecture: a.info.architecture,
        device: a.info.device,
        description: a.info.description,
        isFallbackAdapter: a.info.isFallbackAdapter,
      }
    : null
} catch (e) {
  r.error = String(e?.message ?? e)
}
r.ms = Math.round(performance.now() - t)
console.log(JSON.stringify(r))
Deno.exit(0)
