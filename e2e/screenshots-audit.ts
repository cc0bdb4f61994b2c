// `node --import tsx e2e/screenshots-audit.ts`: Settings → Audit for the docs
// (docs/screenshots/settings-audit-{light,dark}.png), on the example config: changes made through
// the CLI (enqueues, a pause and resume, two tokens), through the HTTP API with an operator token
// (an enqueue, a cancel) and a viewer's refused cancel, so the list shows every kind of caller and
// a refusal.
import fs from 'node:fs'
import { createToken, enqueue, ensureRendererBuilt, launchBrowser, openApp, SCREENSHOTS, screenshotInBothThemes, serve, until, type Served } from './harness'


/** One call over the HTTP API; a status other than `expected` stops the script (the picture would lie). */
async function callApi(served: Served, secret: string, method: string, body: unknown, expected = 200): Promise<{ ok: boolean; value?: { id?: string } }> {
  const res = await fetch(new URL(`/api/v1/${method}`, served.url), {
    method: 'POST',
    headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  const reply = (await res.json()) as { ok: boolean; value?: { id?: string } }
  if (res.status !== expected) throw new Error(`${method}: HTTP ${res.status}, expected ${expected}: ${JSON.stringify(reply)}`)
  return reply
}

async function main(): Promise<void> {
  ensureRendererBuilt()
  fs.mkdirSync(SCREENSHOTS, { recursive: true })
  const served = await serve()
  try {
    served.cli(['pause'])
    enqueue(served, ['fetch-prospects', '--param', 'dealer_id=12284'])
    enqueue(served, ['fetch-prospects', '--param', 'dealer_id=40117', '--priority', 'high'])
    const bot = await createToken(served, 'ops-bot', 'operator', ['--expires', '90d'])
    const wall = await createToken(served, 'wall-screen', 'viewer', ['--expires', '90d'])
    const made = await callApi(served, bot, 'jobs.enqueue', { type: 'sync-inventory', params: { warehouse: 'north' } })
    const id = made.value?.id ?? ''
    await callApi(served, wall, 'jobs.cancel', { id }, 403)
    await callApi(served, bot, 'jobs.cancel', { id })
    served.cli(['resume'])

    const browser = await launchBrowser()
    try {
      const { page, context } = await openApp(browser, served.url, { colorScheme: 'light', viewport: { width: 1440, height: 900 } })
      await page.getByRole('link', { name: 'Settings', exact: true }).click()
      const card = page.getByTestId('audit-card')
      await until(async () => (await card.locator('[data-testid="audit-records"] tbody tr').count()) >= 8, 20_000, 'the audit records')
      await card.scrollIntoViewIfNeeded()
      await screenshotInBothThemes(page, card, 'settings-audit')
      await context.close()
    } finally {
      await browser.close()
    }
  } finally {
    await served.stop()
  }
}

await main()
