// Helpers for tests that run real child processes. Not imported by production code.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface ScriptDir {
  dir: string
  /** Writes `code` as an ES module named `name` and returns its path. */
  write(name: string, code: string): string
  cleanup(): void
}

export function makeScriptDir(): ScriptDir {
  const dir = mkdtempSync(join(tmpdir(), 'jobdeck-proc-'))
  return {
    dir,
    write(name, code) {
      const path = join(dir, name)
      writeFileSync(path, code)
      return path
    },
    cleanup() {
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/**
 * A process that starts a grandchild and prints `grandchild <pid>` once the grandchild is ready.
 * Flags: `--gc-detached` (grandchild in its own process group), `--gc-ignore-term`,
 * `--gc-holds-output` (grandchild inherits our stderr, keeping the pipe open),
 * `--exit` (exit 0 right after reporting, leaving the grandchild behind).
 */
export const TREE_SCRIPT = `
import { spawn } from 'node:child_process'
const flags = new Set(process.argv.slice(2))
const code = [
  flags.has('--gc-ignore-term') ? "process.on('SIGTERM', () => {});" : '',
  'setInterval(() => {}, 1000);',
  "process.stdout.write('ready\\\\n');",
].join('\\n')
const grandchild = spawn(process.execPath, ['-e', code], {
  stdio: ['ignore', 'pipe', flags.has('--gc-holds-output') ? 'inherit' : 'ignore'],
  detached: flags.has('--gc-detached'),
})
grandchild.stdout.once('data', () => {
  process.stdout.write('grandchild ' + grandchild.pid + '\\n', () => {
    if (flags.has('--exit')) {
      grandchild.stdout.destroy()
      grandchild.unref()
      process.exit(0)
    }
  })
})
setInterval(() => {}, 1000)
`

export async function waitUntil(condition: () => boolean, timeoutMs: number, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))
