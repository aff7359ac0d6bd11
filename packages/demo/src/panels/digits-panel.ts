// Draw a digit (or pick a held-out MNIST digit) and watch the digits model's top predictions live.
import type { App, RunInfo } from '../app.js'
import { rgbaToInk, toMnist, topK } from '../lib/mnist-preprocess.js'
import { splitOf, whereRan } from '../lib/run-info.js'
import { formatMs, h, render } from '../ui/dom.js'

const SIZE = 280
const MODEL = 'digits'

interface Sample {
  label: number
  pixels: number[]
}

/** Mounts the digits pad into `root`. */
export function mountDigitsPanel(root: HTMLElement, app: App): void {
  const canvas = h('canvas', {
    id: 'digit-canvas',
    width: SIZE,
    height: SIZE,
    class: 'pad',
    'aria-label': 'Drawing pad: draw a digit with the mouse, a pen or a finger',
    role: 'img',
  })
  const preview = h('canvas', {
    width: 28,
    height: 28,
    class: 'preview',
    'aria-label': 'What the model sees',
  })
  const samples = h(
    'select',
    { id: 'digit-sample', 'aria-label': 'Held-out MNIST digit' },
    h('option', { value: '' }, 'Pick a held-out digit…'),
  )
  const clear = h(
    'button',
    {
      id: 'digit-clear',
      type: 'button',
      onclick: () => {
        samples.value = ''
        reset()
      },
    },
    'Clear',
  )
  const loadBtn = h(
    'button',
    {
      id: 'digits-load',
      type: 'button',
      class: 'primary',
      onclick: () => void app.load(MODEL, 'stable').catch(() => {}),
    },
    'Load digits',
  )
  const big = h('div', { id: 'digit-prediction', class: 'big-digit', 'aria-live': 'polite' }, '–')
  const bars = h('ol', { id: 'digit-top', class: 'bars' })
  const info = h(
    'p',
    { id: 'digit-info', class: 'muted small', role: 'status' },
    'Load the digits model, then draw.',
  )
  render(
    root,
    h(
      'div',
      { class: 'digits' },
      h('div', { class: 'pad-wrap' }, canvas, h('div', { class: 'row' }, clear, samples, loadBtn)),
      h(
        'div',
        { class: 'digits-out' },
        big,
        bars,
        h('div', { class: 'row small muted' }, preview, h('span', {}, 'model input (28×28)')),
        info,
      ),
    ),
  )

  const ctx = canvas.getContext('2d', { willReadFrequently: true })!
  let sampleList: Sample[] = []
  let running = false
  let dirty = false
  /** The held-out sample on the pad, or null once the visitor draws. */
  let sampleOnPad: number | null = null

  function reset(): void {
    ctx.fillStyle = '#000'
    ctx.fillRect(0, 0, SIZE, SIZE)
    big.textContent = '–'
    render(bars)
    preview.getContext('2d')!.clearRect(0, 0, 28, 28)
  }
  reset()

  // Drawing with pointer events (mouse, pen, touch).
  let last: { x: number; y: number } | null = null
  const at = (e: PointerEvent) => {
    const r = canvas.getBoundingClientRect()
    return { x: ((e.clientX - r.left) * SIZE) / r.width, y: ((e.clientY - r.top) * SIZE) / r.height }
  }
  canvas.addEventListener('pointerdown', (e) => {
    canvas.setPointerCapture(e.pointerId)
    sampleOnPad = null
    samples.value = ''
    last = at(e)
    stroke(last, last)
  })
  canvas.addEventListener('pointermove', (e) => {
    if (!last) return
    const p = at(e)
    stroke(last, p)
    last = p
  })
  const end = () => {
    last = null
  }
  canvas.addEventListener('pointerup', end)
  canvas.addEventListener('pointercancel', end)

  function stroke(a: { x: number; y: number }, b: { x: number; y: number }): void {
    ctx.strokeStyle = '#fff'
    ctx.lineWidth = 20
    ctx.lineCap = 'round'
    ctx.lineJoin = 'round'
    ctx.beginPath()
    ctx.moveTo(a.x, a.y)
    ctx.lineTo(b.x, b.y)
    ctx.stroke()
    schedule()
  }

  /** Runs the model on the pad, at most one run in flight; a change during a run triggers one more. */
  function schedule(): void {
    dirty = true
    if (!running) void predict()
  }

  async function predict(): Promise<void> {
    if (!app.models.has(MODEL)) {
      info.textContent = 'The digits model is not loaded yet: press “Load digits”.'
      return
    }
    running = true
    while (dirty) {
      dirty = false
      const sample = sampleOnPad
      const x = toMnist(rgbaToInk(ctx.getImageData(0, 0, SIZE, SIZE).data, false), SIZE, SIZE)
      if (!x) break
      showPreview(x)
      try {
        const { out, wallMs, info: ran } = await app.run(MODEL, { x: { data: x, dims: [1, 784] } })
        const probs = out.probs?.data as Float32Array
        show(probs, wallMs, sample, ran)
      } catch (err) {
        info.textContent = `Run failed: ${(err as { code?: string }).code ?? ''} ${(err as Error).message}`
      }
    }
    running = false
  }

  function show(probs: Float32Array, wallMs: number, sample: number | null, ran: RunInfo): void {
    const top = topK(probs, 3)
    big.textContent = String(top[0])
    big.dataset.digit = String(top[0])
    big.dataset.sample = sample === null ? '' : String(sample)
    render(
      bars,
      top.map((d) =>
        h(
          'li',
          {},
          h('span', { class: 'bar-label' }, String(d)),
          h('span', { class: 'bar', style: `--w:${((probs[d] ?? 0) * 100).toFixed(1)}%` }),
          h('span', { class: 'bar-value' }, `${((probs[d] ?? 0) * 100).toFixed(1)}%`),
        ),
      ),
    )
    const m = app.models.get(MODEL)
    info.textContent = `${m ? `${m.name} v${m.version} ` : ''}on ${whereRan(ran)}: ${splitOf(ran)} · ${formatMs(wallMs)} round trip`
    info.dataset.placement = ran.placement
  }

  function showPreview(x: Float32Array): void {
    const img = new ImageData(28, 28)
    for (let i = 0; i < 784; i++) {
      const v = Math.round((x[i] ?? 0) * 255)
      img.data.set([v, v, v, 255], i * 4)
    }
    preview.getContext('2d')!.putImageData(img, 0, 0)
  }

  /** Paints a held-out 28×28 digit onto the pad, scaled up, and runs it through the same path. */
  function paintSample(s: Sample, index: number): void {
    const small = document.createElement('canvas')
    small.width = 28
    small.height = 28
    const img = new ImageData(28, 28)
    s.pixels.forEach((v, i) => {
      img.data.set([v, v, v, 255], i * 4)
    })
    small.getContext('2d')!.putImageData(img, 0, 0)
    reset()
    ctx.imageSmoothingEnabled = false
    ctx.drawImage(small, 0, 0, SIZE, SIZE)
    sampleOnPad = index
    schedule()
  }

  samples.addEventListener('change', () => {
    const s = sampleList[Number(samples.value)]
    if (samples.value !== '' && s) paintSample(s, Number(samples.value))
  })

  fetch(new URL('samples/digits.json', document.baseURI))
    .then((r) => r.json() as Promise<{ samples: Sample[] }>)
    .then(({ samples: list }) => {
      sampleList = list
      for (const [i, s] of list.entries())
        samples.append(h('option', { value: i }, `held-out #${i + 1} (a ${s.label})`))
    })
    .catch(() => {})

  // Re-run what is on the pad when the digits model changes (another version, another backend).
  let current: { handle: unknown; backend: string } | null = null
  app.on('models', () => {
    const m = app.models.get(MODEL)
    loadBtn.textContent = m ? 'Reload digits' : 'Load digits'
    if (!m || (current?.handle === m.handle && current.backend === m.backend)) return
    current = { handle: m.handle, backend: m.backend }
    info.textContent = 'Draw a digit: predictions update as you draw.'
    schedule()
  })
}
