// Shared pieces of the browser benchmarks: the built renderer, a headless Chromium through
// playwright-core, and the headless server in front of a core (as `jobdeck serve` runs it).
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium, type Browser, type Page } from 'playwright-core'
import type { Core } from '../src-main/core/core'
import { startServer, type JobdeckServer } from '../src-main/server/server'

export const ROOT = fileURLToPath(new URL('..', import.meta.url))
export const RENDERER_DIR = path.join(ROOT, 'out/renderer')

/** Builds the app once if `out/renderer/index.html` is missing. */
export function ensureRendererBuilt(): void {
  if (fs.existsSync(path.join(RENDERER_DIR, 'index.html'))) return
  process.stdout.write('building the renderer (npx electron-vite build)…\n')
  const result = spawnSync('npx', ['electron-vite', 'build'], { cwd: ROOT, stdio: 'inherit' })
  if (result.status !== 0) throw new Error(`electron-vite build failed with exit code ${result.status}`)
}

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
]

/** Headless Chromium: CHROMIUM_PATH, else /usr/bin/chromium. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS })
}

/** The headless server for `core`, serving a built renderer (this checkout's by default) on 127.0.0.1 (no runner started). */
export function serve(core: Core, staticDir = RENDERER_DIR): Promise<JobdeckServer> {
  return startServer({ core, staticDir, log: () => {} })
}

/** The URL that opens `route` (e.g. `/queue`) with the server's token. */
export function routeUrl(server: JobdeckServer, route: string): string {
  return `${server.openUrl}#${route}`
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
}

/**
 * A fresh page open on Queue (settled for a second), then the navigation being measured: a click
 * on a link, or a new hash. Returns the page and the navigation's start (its performance.now()).
 */
export async function freshPageThen(browser: Browser, server: JobdeckServer, go: { click: string } | { hash: string }): Promise<{ page: Page; at: number }> {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } })
  await page.goto(routeUrl(server, '/queue'))
  await page.waitForSelector('a[href="#/timeline"]')
  await page.waitForTimeout(1000)
  const at = await page.evaluate((step) => {
    const g = globalThis as unknown as { performance: { now(): number }; location: { hash: string }; document: { querySelector(s: string): { click(): void } | null } }
    const started = g.performance.now()
    if ('click' in step) g.document.querySelector(step.click)?.click()
    else g.location.hash = step.hash
    return started
  }, go)
  return { page, at }
}
