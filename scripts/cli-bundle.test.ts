// The built `jobdeck` command: npm install builds it, bin/jobdeck.mjs runs it while it matches the
// sources, rebuilds it when they changed, and runs the sources through tsx when it cannot. Each
// case runs in a scratch copy of the checkout whose node_modules links to the real packages, with
// tsx left out where the bundle alone must do.
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { BUNDLE_FILE, freshBundleUrl } from './cli-bundle.mjs'

const checkout = fileURLToPath(new URL('..', import.meta.url))
const pkg = JSON.parse(fs.readFileSync(path.join(checkout, 'package.json'), 'utf8')) as {
  scripts: Record<string, string>
  dependencies: Record<string, string>
  devDependencies: Record<string, string>
}

let scratch: string | undefined
afterEach(() => {
  if (scratch) fs.rmSync(scratch, { recursive: true, force: true })
  scratch = undefined
})

/** A copy of what the command is made of; node_modules links to the real packages, without `leaveOut`. */
function scratchCheckout(leaveOut: string[] = []): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jobdeck-cli-bundle-'))
  scratch = dir
  const copy = (entry: string) =>
    fs.cpSync(path.join(checkout, entry), path.join(dir, entry), { recursive: true, preserveTimestamps: true, filter: (src) => !src.endsWith('.test.ts') })
  for (const entry of ['package.json', 'tsconfig.json', 'tsconfig.base.json', 'tsconfig.node.json', 'bin', 'examples', 'src-main', 'src-shared', 'scripts/cli-bundle.mjs']) copy(entry)
  const modules = fs.realpathSync(path.join(checkout, 'node_modules'))
  fs.mkdirSync(path.join(dir, 'node_modules'))
  for (const name of fs.readdirSync(modules)) {
    if (!leaveOut.includes(name)) fs.symlinkSync(path.join(modules, name), path.join(dir, 'node_modules', name))
  }
  return dir
}

function node(dir: string, args: string[]): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, args, { cwd: dir, encoding: 'utf8', timeout: 60_000, env: { ...process.env, JOBDECK_DATA_DIR: path.join(dir, 'data') } })
  return { code: result.status, stdout: result.stdout, stderr: result.stderr }
}

/** What `npm install` runs (package.json `prepare`). */
const build = (dir: string) => node(dir, [path.join(dir, 'scripts', 'cli-bundle.mjs')])
const jobdeck = (dir: string, ...args: string[]) => node(dir, [path.join(dir, 'bin', 'jobdeck.mjs'), ...args])

describe('the jobdeck command, built at install', () => {
  it('is built by npm install and npm ci (prepare), with esbuild a dependency, and never committed', () => {
    expect(pkg.scripts['prepare']).toBe('node scripts/cli-bundle.mjs')
    expect(pkg.dependencies).toHaveProperty('esbuild')
    expect(pkg.devDependencies).not.toHaveProperty('esbuild')
    const ignored = spawnSync('git', ['check-ignore', '-q', BUNDLE_FILE], { cwd: checkout })
    expect(ignored.status).toBe(0)
  })

  it('runs from the bundle alone: with tsx absent, --help and status work right after the build', () => {
    // pg absent too: it is loaded on first use (shared mode, sql jobs), not by every command.
    const dir = scratchCheckout(['tsx', 'pg'])
    const built = build(dir)
    expect(built.stderr).toBe('')
    expect(built.stdout).toMatch(/^\[cli-bundle\] built the jobdeck command: \.cache\/cli\/jobdeck\.mjs \(\d+ KiB from \d+ files\)\n$/)
    expect(freshBundleUrl(dir)).not.toBeNull()

    const help = jobdeck(dir, '--help')
    expect(help.stderr).toBe('')
    expect(help.stdout).toMatch(/^usage: jobdeck COMMAND/)
    expect(help.code).toBe(0)
    const status = jobdeck(dir, 'status')
    expect(status.stderr).toBe('')
    expect(status.stdout).toMatch(/^runner: stopped/)
    expect(status.code).toBe(0)
  })

  it('rebuilds the bundle first when a source changed since, and runs the new code', () => {
    const dir = scratchCheckout(['tsx'])
    expect(build(dir).code).toBe(0)
    const commands = path.join(dir, 'src-main', 'cli', 'commands.ts')
    fs.writeFileSync(commands, fs.readFileSync(commands, 'utf8').replace("'usage: jobdeck COMMAND", "'usage: jobdeck (rebuilt) COMMAND"))
    expect(freshBundleUrl(dir)).toBeNull()

    const help = jobdeck(dir, '--help')
    expect(help.stderr).toBe('')
    expect(help.stdout).toMatch(/^usage: jobdeck \(rebuilt\) COMMAND/)
    expect(help.code).toBe(0)
  })

  it('a changed or missing input, or a replaced bundle, makes it stale', () => {
    const dir = scratchCheckout(['tsx'])
    expect(build(dir).code).toBe(0)
    expect(freshBundleUrl(dir)).not.toBeNull()
    fs.appendFileSync(path.join(dir, BUNDLE_FILE), '\n')
    expect(freshBundleUrl(dir)).toBeNull()

    expect(build(dir).code).toBe(0)
    const errors = path.join(dir, 'src-shared', 'errors.ts')
    const later = new Date(fs.statSync(errors).mtimeMs + 1_000)
    fs.utimesSync(errors, later, later) // same content, touched (a checkout, an editor's save)
    expect(freshBundleUrl(dir)).toBeNull()

    expect(build(dir).code).toBe(0)
    fs.rmSync(errors)
    expect(freshBundleUrl(dir)).toBeNull()
  })

  it('without a bundle and no way to build one, runs the sources through tsx', () => {
    const dir = scratchCheckout()
    fs.writeFileSync(path.join(dir, '.cache'), 'a file where the bundle folder would go')
    const help = jobdeck(dir, '--help')
    expect(help.stderr).toBe('')
    expect(help.stdout).toMatch(/^usage: jobdeck COMMAND/)
    expect(help.code).toBe(0)
    expect(freshBundleUrl(dir)).toBeNull()
  })

  it('an install whose build fails says so in one line and still succeeds', () => {
    const dir = scratchCheckout()
    fs.writeFileSync(path.join(dir, 'src-main', 'cli', 'main.ts'), 'export const main = (')
    const built = build(dir)
    expect(built.code).toBe(0)
    expect(built.stderr).toMatch(/^\[cli-bundle\] could not build the jobdeck command \(.+\); npx jobdeck still works, from the TypeScript sources \(slower to start\)\. Run `npm run build:cli` to try again\.\n$/)
  })
})
