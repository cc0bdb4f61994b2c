import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import { ensureRendererBuilt, launchBrowser, openApp, serve, skipWithoutBrowser, type Served } from './harness'

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

  it('shows the six views by name and refuses a page without the token', async () => {
    const { page, context } = await openApp(browser, served.url)
    for (const label of ['Queue', 'Schedules', 'Timeline', 'History', 'Resources', 'Settings']) {
      await expect(page.getByRole('link', { name: label, exact: true }).isVisible()).resolves.toBe(true)
    }
    await context.close()
    const stranger = await browser.newContext()
    const refused = await stranger.request.get(`${new URL(served.url).origin}/`, { failOnStatusCode: false })
    expect(refused.status()).toBe(403)
    await stranger.close()
  })
})
