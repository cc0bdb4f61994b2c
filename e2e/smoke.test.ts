import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import { ensureRendererBuilt, launchBrowser, openApp, ROOT, serve, skipWithoutBrowser, type Served } from './harness'

describe.skipIf(skipWithoutBrowser)('the app in Chromium', () => {
  let served: Served
  let browser: Browser

  beforeAll(async () => {
    ensureRendererBuilt()
    served = await serve()
    browser = await launchBrowser()
  }, 180_000)

  afterAll(async () => {
    await browser?.close()
    await served?.stop()
  })

  it('shows the six views by name; without the token a page goes to the sign-in form and shows nothing of the app', async () => {
    const { page, context } = await openApp(browser, served.url)
    for (const label of ['Queue', 'Schedules', 'Timeline', 'History', 'Resources', 'Settings']) {
      await expect(page.getByRole('link', { name: label, exact: true }).isVisible()).resolves.toBe(true)
    }
    await context.close()
    const stranger = await browser.newContext()
    const origin = new URL(served.url).origin
    const sent = await stranger.request.get(`${origin}/`, { failOnStatusCode: false, maxRedirects: 0 })
    expect(sent.status()).toBe(303)
    expect(sent.headers().location).toBe('/login')
    const visit = await stranger.newPage()
    await visit.goto(`${origin}/`)
    await visit.waitForURL(/\/login$/)
    await expect(visit.getByRole('button', { name: 'Sign in' }).isVisible()).resolves.toBe(true)
    await expect(visit.locator('nav[aria-label="Views"]').count()).resolves.toBe(0)
    // The app's own script is refused too.
    const script = fs.readdirSync(path.join(ROOT, 'out', 'renderer', 'assets')).find((name) => name.endsWith('.js'))
    expect((await stranger.request.get(`${origin}/assets/${script}`, { failOnStatusCode: false, maxRedirects: 0 })).status()).toBe(403)
    await stranger.close()
  })
})
