// Output formatting: sizes, tables, and the publish progress display on a terminal and in logs.
import { describe, expect, it } from 'vitest'
import { formatBytes, formatTable, progressPrinter } from './format.js'

describe('format', () => {
  it('formats byte sizes', () => {
    expect([0, 999, 1000, 1_807_522, 4_700_000_000].map(formatBytes)).toEqual([
      '0 B',
      '999 B',
      '1.0 kB',
      '1.8 MB',
      '4.7 GB',
    ])
  })

  it('aligns table columns', () => {
    expect(
      formatTable(
        ['A', 'LONG'],
        [
          ['xyz', '1'],
          ['q', '22'],
        ],
      ),
    ).toBe('A    LONG\nxyz  1\nq    22')
  })

  it('rewrites one line on a terminal, at most every 100 ms', () => {
    let text = ''
    let t = 0
    const print = progressPrinter(
      {
        write: (s) => {
          text += s
        },
        isTTY: true,
      },
      () => t,
    )
    print({ type: 'upload', path: 'm.onnx', sent: 0, size: 2000 })
    t = 50
    print({ type: 'upload', path: 'm.onnx', sent: 500, size: 2000 })
    t = 200
    print({ type: 'upload', path: 'm.onnx', sent: 1000, size: 2000 })
    print({ type: 'uploaded', path: 'm.onnx', size: 2000 })
    expect(text.split('\r\x1b[K')).toEqual([
      '',
      'm.onnx  0 B / 2.0 kB  0%',
      'm.onnx  1.0 kB / 2.0 kB  50%',
      'm.onnx  uploaded 2.0 kB (100%)\n',
    ])
  })

  it('prints a line per quarter when not on a terminal', () => {
    const lines: string[] = []
    const print = progressPrinter({ write: (s) => void lines.push(s) })
    for (let sent = 0; sent <= 100; sent += 10) print({ type: 'upload', path: 'm', sent, size: 100 })
    print({ type: 'uploaded', path: 'm', size: 100 })
    expect(lines.map((l) => l.trim().split(/\s+/).at(-1))).toEqual(['0%', '30%', '50%', '80%', '(100%)'])
  })
})
