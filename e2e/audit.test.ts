// Settings → Audit, end to end (issue 17): changes made through the CLI, through the HTTP API
// with an operator's token, a viewer's refused cancel and the owner's own Resume in the window
// are all listed in the owner's window, each with who made it, and the list filters by who.
import path from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createToken, enqueue, ensureRendererBuilt, launchBrowser, openApp, ROOT, runnerStatus, serve, skipWithoutBrowser, screenshotOnFailure, until, type Served } from './harness'

const CONFIG = path.join(ROOT, 'e2e', 'fixtures', 'queue.yaml')
const VIEWER = 'wall-screen'
const OPERATOR = 'ops-bot'

async function callApi(served: Served, token: string, method: string, body: unknown): Promise<{ status: number; value: unknown }> {
  const res = await fetch(new URL(`/api/v1/${method}`, served.url), {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  const reply = (await res.json()) as { ok: boolean; value?: unknown }
  return { status: res.status, value: reply.value }
}

describe.skipIf(skipWithoutBrowser)("the owner's Settings → Audit", { timeout: 180_000 }, () => {
  let served: Served
  let browser: Browser
  let page: Page | undefined
  let waiting = ''
  let viaHttp = ''

  beforeAll(async () => {
    ensureRendererBuilt()
    served = await serve({ config: CONFIG })
    browser = await launchBrowser()
    served.cli(['pause'])
    waiting = enqueue(served, ['nap', '--param', 'seconds=5'])
    const viewer = await createToken(served, VIEWER, 'viewer')
    const operator = await createToken(served, OPERATOR, 'operator')
    const made = await callApi(served, operator, 'jobs.enqueue', { type: 'greet', params: { name: 'audit', times: 1 } })
    expect(made.status).toBe(200)
    viaHttp = (made.value as { id: string }).id
    expect((await callApi(served, viewer, 'jobs.cancel', { id: waiting })).status).toBe(403)
  }, 180_000)
  afterEach(({ task }) => screenshotOnFailure(page, task))
  afterAll(async () => {
    await browser?.close()
    await served?.stop()
  })

  it('lists each change with who made it: the CLI, an operator token, the window, and the viewer refused', async () => {
    const owner = await openApp(browser, served.url)
    page = owner.page
    // The owner's own change, from the window.
    await page.locator('body').press('p')
    await until(() => !runnerStatus(served).paused, 15_000, 'the runner to resume')

    await page.getByRole('link', { name: 'Settings', exact: true }).click()
    const records = page.locator('[data-testid="audit-records"] tbody tr')
    await records.first().waitFor({ timeout: 15_000 })
    const row = (who: string, method: string): ReturnType<Page['locator']> =>
      page!.locator(`[data-testid="audit-records"] tr[data-who="${who}"][data-method="${method}"]`)

    const denied = row(VIEWER, 'jobs.cancel')
    await until(async () => (await denied.count()) === 1, 15_000, "the viewer's refused cancel in the audit list")
    await expect(denied.getAttribute('data-outcome')).resolves.toBe('forbidden')
    await expect(denied.textContent()).resolves.toContain(waiting)

    const enqueued = row(OPERATOR, 'jobs.enqueue')
    await expect(enqueued.count()).resolves.toBe(1)
    await expect(enqueued.getAttribute('data-outcome')).resolves.toBe('ok')
    await expect(enqueued.textContent()).resolves.toContain(viaHttp)

    await expect(row('browser', 'runner.resume').count()).resolves.toBe(1)
    // The CLI's changes: the pause, the enqueue, the two tokens.
    for (const [method, count] of [['runner.pause', 1], ['jobs.enqueue', 1], ['tokens.create', 2]] as const) {
      await expect(page.locator(`[data-testid="audit-records"] tr[data-method="${method}"][data-who^="cli:"]`).count(), method).resolves.toBe(count)
    }

    // Filtered to the viewer: only theirs.
    await page.getByTestId('audit-who').fill(VIEWER)
    await page.getByTestId('audit-who').press('Enter')
    await until(async () => (await records.count()) === 1, 10_000, 'the list filtered to the viewer')
    await expect(records.first().getAttribute('data-who')).resolves.toBe(VIEWER)
    await owner.context.close()
  })
})
