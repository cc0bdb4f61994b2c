// A config edit is in force without a reload button, and a broken edit says so on every view:
// the real `jobdeck serve` following its file, the real renderer in Chromium.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ROOT, servedApp, skipWithoutBrowser } from './harness'

// A copy of the fixtures (the config and the job scripts it names), so the test can edit it.
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jobdeck-e2e-config-'))
fs.cpSync(path.join(ROOT, 'e2e', 'fixtures'), dir, { recursive: true })
const CONFIG = path.join(dir, 'jobdeck.yaml')
const GOOD = fs.readFileSync(CONFIG, 'utf8')

describe.skipIf(skipWithoutBrowser)('the config file, followed as it is edited', { timeout: 90_000 }, () => {
  const app = servedApp(CONFIG)
  let page: Page
  beforeAll(() => {
    page = app.page
  })
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

  it('a broken edit keeps the previous config and says so in the strip on every view; the fix clears it', async () => {
    const strip = page.getByTestId('strip-config')
    await page.getByRole('link', { name: 'Queue', exact: true }).click()
    expect(await strip.count()).toBe(0)

    fs.writeFileSync(CONFIG, `${GOOD}\n  broken:\n    command: [node]\n    timeout: soon\n    retries: { max: lots }\n`)
    await strip.waitFor({ timeout: 10_000 })
    expect(await strip.textContent()).toContain('config has 2 errors — still using the previous one')
    for (const view of ['Timeline', 'History', 'Resources']) {
      await page.getByRole('link', { name: view, exact: true }).click()
      await strip.waitFor({ timeout: 5_000 })
    }
    await strip.click()
    await page.waitForURL(/\/settings/)
    // The errors, with line and column, in Settings.
    await page.getByText('jobs.broken.timeout: expected timeout as a duration').waitFor({ timeout: 5_000 })
    await page.getByText(/^jobdeck\.yaml:\d+:\d+$/).first().waitFor({ timeout: 5_000 })

    fs.writeFileSync(CONFIG, GOOD)
    await strip.waitFor({ state: 'detached', timeout: 10_000 })
  })
})
