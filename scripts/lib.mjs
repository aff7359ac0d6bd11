// Shared helpers for the repo's own scripts (start, test): run a command, check what is installed.
// Only node: built-ins here — these scripts run before `npm install`.
import { spawn } from 'node:child_process'
import { existsSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const root = join(dirname(fileURLToPath(import.meta.url)), '..')

/** Children started by run() and still running: a script that is stopped stops them too (killChildren). */
export const children = new Set()

/** Runs a command with inherited stdio; resolves its exit code. */
export function run(cmd, args, opts = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, stdio: 'inherit', ...opts })
    children.add(child)
    child.on('exit', (code, signal) => {
      children.delete(child)
      resolve(code ?? (signal ? 1 : 0))
    })
    child.on('error', () => {
      children.delete(child)
      resolve(127)
    })
  })
}

/** Sends `signal` to every child run() started that is still running. */
export function killChildren(signal = 'SIGTERM') {
  for (const c of children) c.kill(signal)
}

/** True when node_modules is missing or older than package-lock.json. */
export function depsMissing() {
  const marker = join(root, 'node_modules', '.package-lock.json')
  if (!existsSync(marker)) return true
  const lock = join(root, 'package-lock.json')
  return existsSync(lock) && statSync(lock).mtimeMs > statSync(marker).mtimeMs + 1000
}

/** Installs dependencies when they are missing or stale. */
export async function ensureDeps() {
  if (!depsMissing()) return
  console.log('Installing dependencies (npm install)…')
  const code = await run('npm', ['install', '--no-audit', '--no-fund'])
  if (code !== 0) {
    console.error('npm install failed; see the output above.')
    process.exit(code)
  }
}
