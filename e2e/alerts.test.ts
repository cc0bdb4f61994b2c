// Alerts in the browser (issue 16): `jobdeck serve` with a webhook channel to a receiver in this
// process (its URL, token in the path, from the environment). Settings → Alerts lists the channel
// with its target masked, "Send test" reaches the receiver and the delivery reads "sent"; a job
// that fails is alerted, and its delivery appears in the card as it is sent, without a reload.
// A failed run's Run detail snoozes its type's alerts and lifts the snooze.
import fs from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { enqueue, ensureRendererBuilt, history, launchBrowser, openApp, reportFailure, ROOT, serve, skipWithoutBrowser, until, type Served } from './harness'

const TOKEN = 'T0KEN-in-the-path-9f3a'

interface Received {
  path: string
  body: Record<string, unknown>
}

describe.skipIf(skipWithoutBrowser)('alerts in the browser', { timeout: 180_000 }, () => {
  let dir: string
  let receiver: http.Server
  const received: Received[] = []
  let served: Served
  let browser: Browser
  let page: Page

  beforeAll(async () => {
    receiver = http.createServer((req, res) => {
      let text = ''
      req.on('data', (chunk: Buffer) => (text += chunk.toString()))
      req.on('end', () => {
        received.push({ path: req.url ?? '', body: JSON.parse(text || '{}') as Record<string, unknown> })
        res.writeHead(200).end('ok')
      })
    })
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve))
    const port = (receiver.address() as AddressInfo).port

    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jobdeck-e2e-alerts-'))
    fs.cpSync(path.join(ROOT, 'e2e', 'fixtures'), dir, { recursive: true })
    const config = path.join(dir, 'jobdeck.yaml')
    fs.appendFileSync(
      config,
      ['alerts:', '  channels:', '    hook: { webhook: { urlEnv: E2E_ALERT_HOOK, format: json } }', '  rules:', '    - { on: failed, types: [explode], channels: [hook] }', ''].join('\n'),
    )
    ensureRendererBuilt()
    served = await serve({ config, env: { E2E_ALERT_HOOK: `http://127.0.0.1:${port}/hook/${TOKEN}` } })
    browser = await launchBrowser()
    page = (await openApp(browser, served.url)).page
  }, 240_000)
  afterEach(({ task }) => reportFailure(page, served, task))
  afterAll(async () => {
    await browser?.close()
    await served?.stop()
    await new Promise((resolve) => receiver?.close(resolve))
    if (dir) fs.rmSync(dir, { recursive: true, force: true })
  })

  it('Settings → Alerts lists the webhook channel, masked; Send test reaches the receiver and reads sent', async () => {
    await page.getByTestId('nav-settings').click()
    const card = page.getByTestId('alerts-settings')
    const channel = card.locator('[data-testid="alert-channels"] tr[data-channel="hook"]')
    await channel.waitFor({ timeout: 15_000 })
    const row = (await channel.textContent()) ?? ''
    expect(row).toContain('webhook')
    expect(row).toContain('127.0.0.1')
    // The token in the URL's path is never shown.
    expect(await card.textContent()).not.toContain(TOKEN)
    expect(await card.getByTestId('alert-rules').textContent()).toMatch(/failed/)

    await channel.getByTestId('alert-test').click()
    const outcome = channel.getByTestId('alert-test-outcome')
    await outcome.waitFor({ timeout: 20_000 })
    await until(async () => /^Test sent/.test((await outcome.textContent()) ?? ''), 20_000, 'the test to read sent')
    expect(received.filter((r) => r.path === `/hook/${TOKEN}`)).toHaveLength(1)
    await card.locator('[data-testid="alert-deliveries"] tr[data-status="sent"][data-channel="hook"]').first().waitFor({ timeout: 10_000 })
    // At 1440 px what was sent shows whole (the room goes to it and its outcome, not to "When").
    const cut = await card.getByTestId('alert-deliveries').evaluate((el) =>
      [...el.querySelectorAll('tbody td.what, tbody td.outcome')].filter((cell) => cell.scrollWidth > cell.clientWidth + 1).map((cell) => cell.textContent?.trim()),
    )
    expect(cut, JSON.stringify(cut)).toEqual([])
  })

  it('a failed job is alerted, and its delivery appears in the card as it is sent', async () => {
    const card = page.getByTestId('alerts-settings')
    const before = await card.locator('[data-testid="alert-deliveries"] tbody tr').count()
    const sentBefore = received.length
    const jobId = enqueue(served, ['explode'])
    // The receiver gets the failure (after the burst's quiet window)…
    const alert = await until(() => received.slice(sentBefore).find((r) => JSON.stringify(r.body).includes(jobId)), 40_000, 'the failure at the receiver')
    expect(JSON.stringify(alert.body)).toContain('failed')
    // …and the card shows its delivery, sent, without a reload.
    await until(async () => (await card.locator('[data-testid="alert-deliveries"] tbody tr').count()) > before, 15_000, 'a new delivery row')
    const newest = card.locator('[data-testid="alert-deliveries"] tbody tr').first()
    await until(async () => (await newest.getAttribute('data-status')) === 'sent', 15_000, 'the new delivery to read sent')
    expect(await newest.getByTestId('alert-delivery-outcome').textContent()).toMatch(/sent/)
  })

  it("a failed run's Run detail snoozes its type's alerts until lifted, and lifts it", async () => {
    const failed = await until(() => history(served).find((r) => r.type === 'explode' && r.status === 'failed'), 20_000, 'a failed explode run')
    await page.evaluate((id) => {
      ;(globalThis as unknown as { location: { hash: string } }).location.hash = `#/history?run=${id}`
    }, failed.id)
    const panel = page.getByTestId('run-panel')
    await panel.getByTestId('snooze-open').click()
    await page.getByText('until lifted', { exact: true }).click()
    await panel.getByTestId('snooze-state').waitFor({ timeout: 10_000 })
    expect(await panel.getByTestId('snooze-state').textContent()).toContain('until lifted')
    // Settings lists it too, with Lift.
    await page.getByTestId('nav-settings').click()
    const snoozes = page.getByTestId('alert-snoozes')
    await snoozes.waitFor({ timeout: 10_000 })
    expect(await snoozes.textContent()).toContain('explode')
    await snoozes.getByTestId('snooze-lift').click()
    await snoozes.waitFor({ state: 'detached', timeout: 10_000 })
  })
})
