// End-to-end harness: the real renderer, built; the real `jobdeck serve` in its own process on a
// temp data dir; the real Chromium (Debian's) driven by playwright-core.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll } from 'vitest'
import type { Run, RunnerStatus } from '../src-shared/domain'

export const ROOT = fileURLToPath(new URL('..', import.meta.url))
const BIN = path.join(ROOT, 'bin', 'jobdeck.mjs')
const RENDERER_INDEX = path.join(ROOT, 'out', 'renderer', 'index.html')

export const CHROMIUM = [process.env.CHROME_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find(
  (candidate): candidate is string => typeof candidate === 'string' && fs.existsSync(candidate),
)

/** Without Chromium the browser tests cannot run; on CI that is a failure, not a skip. */
export const skipWithoutBrowser = !CHROMIUM && process.env.CI !== 'true'

function newestMtime(dir: string): number {
  let newest = 0
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name)
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : fs.statSync(full).mtimeMs)
  }
  return newest
}

/** Builds the app unless out/renderer is newer than every renderer and shared source. */
export function ensureRendererBuilt(): void {
  const lock = path.join(ROOT, 'out', '.e2e-build-lock')
  fs.mkdirSync(path.dirname(lock), { recursive: true })
  for (;;) {
    try {
      fs.mkdirSync(lock)
      break
    } catch {
      // Another test file is building: wait for it.
      spawnSync('sleep', ['0.2'])
    }
  }
  try {
    const built = fs.existsSync(RENDERER_INDEX) ? fs.statSync(RENDERER_INDEX).mtimeMs : 0
    const sources = Math.max(newestMtime(path.join(ROOT, 'src-renderer')), newestMtime(path.join(ROOT, 'src-shared')))
    if (built < sources) {
      execFileSync(process.execPath, [path.join(ROOT, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build'], {
        cwd: ROOT,
        stdio: 'pipe',
      })
    }
  } finally {
    fs.rmdirSync(lock)
  }
}

export interface Served {
  url: string
  dataDir: string
  configPath: string
  process: ChildProcess
  output: () => string
  /** Runs a `jobdeck` command against the same data dir and config. */
  cli(args: string[]): { code: number; stdout: string; stderr: string }
  /** `cli` without blocking this process (needed while something here serves, e.g. a TCP proxy). */
  cliAsync(args: string[]): Promise<{ code: number; stdout: string; stderr: string }>
  stop(): Promise<void>
}

/** `args` go after the usual ones, e.g. `['--pg', url]` for shared mode. */
export async function serve(options: { config?: string; env?: NodeJS.ProcessEnv; args?: string[] } = {}): Promise<Served> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jobdeck-e2e-'))
  const dataDir = path.join(dir, 'data')
  const configPath = options.config ?? path.join(ROOT, 'examples', 'jobdeck.yaml')
  const env = { ...process.env, JOBDECK_EXAMPLE_SPEED: '0', ...options.env }
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--data-dir', dataDir, '--config', configPath, ...(options.args ?? [])], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`jobdeck serve did not start:\n${output}`)), 30_000)
    const check = (): void => {
      const match = /Jobdeck is serving (\S+)/.exec(output)
      if (match?.[1]) {
        clearTimeout(timer)
        resolve(match[1])
      }
    }
    child.stdout?.on('data', check)
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`jobdeck serve exited with ${code}:\n${output}`))
    })
  })
  return {
    url,
    dataDir,
    configPath,
    process: child,
    output: () => output,
    cli(args) {
      const result = spawnSync(process.execPath, [BIN, ...args, '--data-dir', dataDir, '--config', configPath], {
        encoding: 'utf8',
        env,
        timeout: 60_000,
      })
      return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr }
    },
    cliAsync(args) {
      return new Promise((resolve) => {
        const cli = spawn(process.execPath, [BIN, ...args, '--data-dir', dataDir, '--config', configPath], { env, stdio: ['ignore', 'pipe', 'pipe'] })
        const timer = setTimeout(() => cli.kill('SIGKILL'), 60_000)
        let stdout = ''
        let stderr = ''
        cli.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
        cli.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
        cli.on('close', (code) => {
          clearTimeout(timer)
          resolve({ code: code ?? -1, stdout, stderr })
        })
      })
    },
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve))
        child.kill('SIGTERM')
        await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 15_000))])
        if (child.exitCode === null) child.kill('SIGKILL')
      }
      fs.rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** Enqueues through the real CLI (another process) and returns the job id. */
export function enqueue(served: Served, args: string[]): string {
  const result = served.cli(['enqueue', ...args])
  if (result.code !== 0) throw new Error(`jobdeck enqueue ${args.join(' ')} failed (${result.code}): ${result.stderr}`)
  return result.stdout.trim()
}

/**
 * `jobdeck tokens create NAME --role ROLE [args]` through the real CLI (the token is alone on the
 * last line), returned once the serving process takes it: a running server reads the token list
 * again at most a second after a change, so a call right after the command could be refused 401.
 */
export async function createToken(served: Served, name: string, role: 'viewer' | 'operator' | 'admin', args: string[] = []): Promise<string> {
  const made = served.cli(['tokens', 'create', name, '--role', role, ...args])
  if (made.code !== 0) throw new Error(`jobdeck tokens create ${name} failed (${made.code}): ${made.stderr}`)
  const token = made.stdout.trimEnd().split('\n').at(-1)?.trim() ?? ''
  if (!token) throw new Error(`jobdeck tokens create ${name} printed no token:\n${made.stdout}`)
  const taken = async (): Promise<boolean> => {
    const res = await fetch(new URL('/api/v1/session.get', served.url), {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: '{}',
    })
    await res.body?.cancel()
    return res.status === 200
  }
  await until(taken, 5_000, `the server to take token ${name}`)
  return token
}

/** Every run, newest first, as `jobdeck history --json` gives them. */
export function history(served: Served): Run[] {
  return JSON.parse(served.cli(['history', '--json']).stdout) as Run[]
}

/** The runner's status as `jobdeck status --json` gives it. */
export function runnerStatus(served: Served): RunnerStatus {
  return JSON.parse(served.cli(['status', '--json']).stdout) as RunnerStatus
}

export async function launchBrowser(): Promise<Browser> {
  if (!CHROMIUM) throw new Error('Chromium not found: install Debian chromium (apt-get install -y chromium) or set CHROME_PATH')
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
  })
}

/** A PostgreSQL URL without its password (the config refuses one; Settings shows URLs so). */
export function withoutPassword(url: string): string {
  const parsed = new URL(url)
  parsed.password = ''
  return parsed.toString()
}

/** After a failed test: the window's picture and the end of `jobdeck serve`'s output. */
export async function reportFailure(page: Page | undefined, served: Served | undefined, task: { name: string; result?: { state?: string } }): Promise<void> {
  await screenshotOnFailure(page, task)
  if (task.result?.state === 'fail') console.error(`jobdeck serve output:\n${served?.output().slice(-4000)}`)
}

/** After a failed test: a picture of the window, next to the test's temp files. */
export async function screenshotOnFailure(page: Page | undefined, task: { name: string; result?: { state?: string } }): Promise<void> {
  if (task.result?.state !== 'fail' || !page) return
  await page.screenshot({ path: path.join(os.tmpdir(), `jobdeck-e2e-${task.name.slice(0, 40).replace(/\W+/g, '-')}.png`) }).catch(() => undefined)
}

export async function openApp(
  browser: Browser,
  url: string,
  options: { colorScheme?: 'light' | 'dark'; viewport?: { width: number; height: number } } = {},
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({
    colorScheme: options.colorScheme ?? 'light',
    viewport: options.viewport ?? { width: 1440, height: 900 },
    acceptDownloads: true,
  })
  const page = await context.newPage()
  const errors: string[] = []
  page.on('pageerror', (error) => errors.push(error.message))
  await page.goto(url)
  // Until the router's first navigation is done it does not listen for hash changes, and when that
  // navigation ends it writes its own route over the hash: a test setting `location.hash` that
  // early stayed on the Queue under load (the sources Timeline flake). The active nav link says
  // the router is listening.
  await page.waitForSelector('nav[aria-label="Views"] a[aria-current="page"]', { timeout: 60_000 })
  return { context, page }
}

/** Polls `probe` every 100 ms until it gives a value. */
export async function until<T>(
  probe: () => T | null | undefined | false | Promise<T | null | undefined | false>,
  ms = 15_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + ms
  for (;;) {
    const value = await probe()
    if (value) return value
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

/**
 * For a describe block: one `jobdeck serve` on `config` and one browser page on it, made before
 * the block's tests and stopped after them; a failed test leaves a screenshot.
 */
export function servedApp(config: string, setupMs = 240_000): { readonly served: Served; readonly page: Page } {
  let served: Served | undefined
  let browser: Browser | undefined
  let page: Page | undefined
  beforeAll(async () => {
    ensureRendererBuilt()
    served = await serve({ config })
    browser = await launchBrowser()
    page = (await openApp(browser, served.url)).page
  }, setupMs)
  afterEach(({ task }) => screenshotOnFailure(page, task))
  afterAll(async () => {
    await browser?.close()
    await served?.stop()
  })
  return {
    get served(): Served {
      if (!served) throw new Error('jobdeck serve is not running (servedApp is used inside a describe block)')
      return served
    },
    get page(): Page {
      if (!page) throw new Error('no page yet (servedApp is used inside a describe block)')
      return page
    },
  }
}

/** The docs' screenshots folder (README links to it). */
export const SCREENSHOTS = path.join(ROOT, 'docs', 'screenshots')

/**
 * One part of the page (a Settings card) in both themes, as `docs/screenshots/<name>-light.png` and
 * `-dark.png`: the app follows the OS's theme, which the page emulates.
 */
export async function screenshotInBothThemes(page: Page, part: Locator, name: string): Promise<void> {
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme })
    await page.mouse.move(0, 0)
    await page.waitForTimeout(800)
    const file = path.join(SCREENSHOTS, `${name}-${colorScheme}.png`)
    await part.screenshot({ path: file })
    process.stdout.write(`${path.relative(ROOT, file)}\n`)
  }
}
