// Roles in the window, end to end (issue 17): someone signs in to `jobdeck serve` at /login with a
// viewer token made by the real CLI; their window reads everything (the Queue, History's rows)
// and shows none of the controls a viewer may not use (Add job, Cancel, Pause…), not even
// disabled; N and P do nothing. When the token is revoked, the open window goes to the sign-in
// page saying so. (What the owner then reads in Settings → Audit: e2e/audit.test.ts.)
import path from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createToken, enqueue, ensureRendererBuilt, history, launchBrowser, ROOT, serve, skipWithoutBrowser, screenshotOnFailure, until, type Served } from './harness'

const CONFIG = path.join(ROOT, 'e2e', 'fixtures', 'queue.yaml')
const VIEWER = 'wall-screen'

describe.skipIf(skipWithoutBrowser)('a viewer signed in with a token', { timeout: 180_000 }, () => {
  let served: Served
  let browser: Browser
  let page: Page | undefined
  let token = ''
  let finished = ''
  let waiting = ''

  beforeAll(async () => {
    ensureRendererBuilt()
    served = await serve({ config: CONFIG })
    browser = await launchBrowser()
    finished = enqueue(served, ['greet', '--param', 'name=dock', '--param', 'times=1'])
    await until(() => history(served).some((r) => r.jobId === finished && r.status === 'succeeded'), 60_000, 'the first job to finish')
    served.cli(['pause'])
    waiting = enqueue(served, ['nap', '--param', 'seconds=5'])
    token = await createToken(served, VIEWER, 'viewer')
  }, 180_000)
  afterEach(({ task }) => screenshotOnFailure(page, task))
  afterAll(async () => {
    await browser?.close()
    await served?.stop()
  })

  it('signs in at /login, reads the Queue without Add job, Cancel or Pause, and N and P do nothing', async () => {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } })
    page = await context.newPage()
    await page.goto(new URL('/', served.url).origin + '/')
    await page.waitForURL(/\/login$/)
    await page.locator('input[name="token"]').fill(token)
    await page.getByRole('button', { name: 'Sign in' }).click()

    await expect(page.getByTestId('session').textContent()).resolves.toMatch(new RegExp(`${VIEWER}\\s*·\\s*viewer`))
    await page.getByRole('link', { name: 'Queue', exact: true }).click()
    const row = page.locator(`[data-testid="queue-waiting"] [data-job-id="${waiting}"]`)
    await row.waitFor({ timeout: 15_000 })
    // The waiting job is shown, read-only: its priority as a word, no Cancel beside it.
    await expect(row.getByTestId('job-priority').textContent()).resolves.toBe('normal')
    // Why it waits, without "press Resume (P)": there is no Resume here.
    await expect(row.getByTestId('queue-reason').textContent()).resolves.toMatch(/^\s*runner paused\s*$/)
    for (const control of ['cancel-job', 'job-priority-select', 'start-now']) await expect(row.getByTestId(control).count(), control).resolves.toBe(0)
    for (const control of ['add-job', 'bulk-add', 'retry-failed', 'clear-finished', 'pause-toggle']) await expect(page.getByTestId(control).count(), control).resolves.toBe(0)
    await expect(page.getByTestId('strip-runner').getAttribute('data-state')).resolves.toBe('paused')

    await page.locator('body').press('n')
    await page.locator('body').press('p')
    await expect(page.locator('.n-modal').count()).resolves.toBe(0)
    expect(JSON.parse(served.cli(['status', '--json']).stdout).paused).toBe(true)

    // The job's own panel has no Cancel either.
    await row.dblclick()
    await page.getByTestId('job-panel').waitFor()
    await expect(page.getByTestId('job-actions-cancel').count()).resolves.toBe(0)
    await page.keyboard.press('Escape')
  })

  it('reads History: the finished run is listed and its detail opens without Retry', async () => {
    if (!page) throw new Error('not signed in')
    await page.getByRole('link', { name: 'History', exact: true }).click()
    const rows = page.locator('[data-testid="history-table"] .history-row')
    await rows.first().waitFor({ timeout: 15_000 })
    const run = history(served).find((r) => r.jobId === finished)
    const listed = page.locator(`[data-testid="history-table"] .history-row[data-run-id="${run?.id}"]`)
    await listed.click()
    await page.keyboard.press('Enter')
    await page.getByTestId('run-panel').waitFor()
    for (const control of ['run-actions-retry', 'run-actions-cancel', 'run-actions-copy']) await expect(page.getByTestId(control).count(), control).resolves.toBe(0)
    await page.keyboard.press('Escape')

    // Settings: no Reload, no connection form, no retention Run now.
    await page.getByRole('link', { name: 'Settings', exact: true }).click()
    await page.getByTestId('config-state').waitFor()
    for (const control of ['config-reload', 'database-test', 'database-save', 'retention-run']) await expect(page.getByTestId(control).count(), control).resolves.toBe(0)
  })

  it('revoked with `jobdeck tokens revoke` while signed in, the window goes to the sign-in page saying so, and stops reconnecting', async () => {
    if (!page) throw new Error('not signed in')
    const attempts: string[] = []
    page.on('websocket', (ws) => attempts.push(ws.url()))
    const revoked = served.cli(['tokens', 'revoke', VIEWER])
    expect(revoked.code, revoked.stderr).toBe(0)
    await page.waitForURL(/\/login\?signed-out$/, { timeout: 15_000 })
    await expect(page.getByRole('alert').textContent()).resolves.toBe('Signed out: the token this window used was revoked or has expired.')
    await expect(page.getByRole('button', { name: 'Sign in' }).isVisible()).resolves.toBe(true)
    // The server's close said why: the window went without trying the socket again.
    expect(attempts).toEqual([])
  })
})
