// `npm test`: every check, in order — lint/format, build + types, unit tests, e2e in real Chromium.
// Ends with one summary line `test: N passed, N failed` (counted tests) and a non-zero exit on any failure.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ensureDeps, run } from './lib.mjs'

await ensureDeps()
const out = mkdtempSync(join(tmpdir(), 'ferry-test-'))
const only = process.argv.slice(2)
const steps = [
  ['lint', 'npx', ['biome', 'check', '.']],
  ['build', 'npm', ['run', 'build']],
  ['types', 'npx', ['tsc', '-p', 'tsconfig.tests.json']],
  [
    'unit',
    'npx',
    ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${join(out, 'unit.json')}`],
  ],
  ['e2e', 'npx', ['playwright', 'test', '-c', 'e2e/playwright.config.ts']],
]

let passed = 0
let failed = 0
const failures = []
for (const [name, cmd, args] of steps) {
  if (only.length && !only.includes(name)) continue
  console.log(`\n── ${name}: ${cmd} ${args.join(' ')}`)
  const env = { ...process.env, PLAYWRIGHT_JSON_OUTPUT_NAME: join(out, 'e2e.json') }
  const code = await run(cmd, args, { env })
  const counts = countTests(name)
  if (counts) {
    passed += counts.passed
    failed += counts.failed
  }
  if (code !== 0) {
    failures.push(name)
    if (!counts || counts.failed === 0) failed += 1
    if (name === 'lint' || name === 'build') break
  } else if (!counts) passed += 1
}

function countTests(step) {
  try {
    if (step === 'unit' && existsSync(join(out, 'unit.json'))) {
      const r = JSON.parse(readFileSync(join(out, 'unit.json'), 'utf8'))
      return { passed: r.numPassedTests, failed: r.numFailedTests }
    }
    if (step === 'e2e' && existsSync(join(out, 'e2e.json'))) {
      const s = JSON.parse(readFileSync(join(out, 'e2e.json'), 'utf8')).stats
      return { passed: s.expected + s.flaky, failed: s.unexpected }
    }
  } catch {}
  return null
}

console.log(`\n${failures.length ? `failed steps: ${failures.join(', ')}` : 'all steps passed'}`)
console.log(`test: ${passed} passed, ${failed} failed`)
process.exit(failures.length ? 1 : 0)
