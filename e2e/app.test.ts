// What an operator does in the window, end to end: the real renderer in Chromium, the real
// engine behind `jobdeck serve`, real job processes.
import fs from 'node:fs'
import path from 'node:path'
import type { Page } from 'playwright-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { enqueue, history, ROOT, servedApp, skipWithoutBrowser, until, type Served } from './harness'

const CONFIG = path.join(ROOT, 'e2e', 'fixtures', 'jobdeck.yaml')

async function chooseType(page: Page, title: string): Promise<void> {
  await page.getByTestId('job-type-select').click()
  await page.locator('.n-base-select-option', { hasText: title }).first().click()
}

describe.skipIf(skipWithoutBrowser)('Jobdeck in the browser', { timeout: 90_000 }, () => {
  const app = servedApp(CONFIG, 180_000)
  let served: Served
  let page: Page
  beforeAll(() => {
    served = app.served
    page = app.page
  })

  it('adds a job from the generated form and sees it succeed in Queue, Timeline and History', async () => {
    await page.getByRole('link', { name: 'Queue', exact: true }).click()
    await page.getByTestId('add-job').click()
    const dialog = page.getByTestId('add-job-dialog')
    await chooseType(page, 'Greet someone')
    const name = dialog.getByTestId('param-name').locator('input')
    await name.fill('Bob')
    // Inline validation as the operator types; submit stays disabled while invalid.
    await expect(dialog.getByText(/param "name"|lowercase|pattern/i).first().isVisible()).resolves.toBe(true)
    await expect(dialog.getByTestId('submit-job').isDisabled()).resolves.toBe(true)
    await name.fill('bob')
    await expect(dialog.getByTestId('submit-job').isEnabled()).resolves.toBe(true)
    await dialog.getByTestId('submit-job').click()

    const run = await until(() => history(served).find((r) => r.type === 'greet' && r.status === 'succeeded'), 20_000, 'the greet run')
    expect(run.params).toMatchObject({ name: 'bob', times: 3, loud: false })

    await page.getByRole('link', { name: 'History', exact: true }).click()
    await page.locator(`[data-testid="history-table"] [data-run-id="${run.id}"] [data-status="succeeded"]`).waitFor({ timeout: 10_000 })

    await page.getByRole('link', { name: 'Timeline', exact: true }).click()
    await page.getByTestId('timeline-chart').locator('canvas').first().waitFor({ timeout: 10_000 })
    // The chart reports what each paint drew (the hook the timeline benchmark reads).
    const drawn = await until(async () => {
      const paints = await page.evaluate(
        () => (globalThis as unknown as { __jobdeckPerf?: { timeline?: { paints: Array<{ items: number; blocks: number }> } } }).__jobdeckPerf?.timeline?.paints ?? [],
      )
      const last = paints.at(-1)
      return last && last.items + last.blocks >= 1 ? last : null
    }, 10_000, 'the timeline to draw the run')
    expect(drawn.items + drawn.blocks).toBeGreaterThanOrEqual(1)
  })

  it('bulk add rejects a paste with one bad row, shows the row error, and enqueues nothing', async () => {
    const before = history(served).length
    await page.getByRole('link', { name: 'Queue', exact: true }).click()
    await page.getByTestId('bulk-add').click()
    const dialog = page.getByTestId('bulk-dialog')
    await chooseType(page, 'Greet someone')
    await dialog.getByTestId('bulk-text').locator('textarea').fill('name,times\nann,1\nBAD NAME,1\ncid,2\n')
    await expect(dialog.getByTestId('bulk-summary').textContent()).resolves.toMatch(/2 valid · 1 with errors?/)
    await expect(dialog.getByText(/param "name"/).first().isVisible()).resolves.toBe(true)
    await expect(dialog.getByTestId('bulk-submit').isDisabled()).resolves.toBe(true)
    await new Promise((r) => setTimeout(r, 500))
    const status = JSON.parse(served.cli(['status', '--json']).stdout) as { counts: Record<string, number> }
    expect(status.counts.queued).toBe(0)
    expect(history(served).length).toBe(before)
    await page.keyboard.press('Escape')
  })

  it('cancels a running job from the queue; its process stops and it shows as canceled', async () => {
    const id = enqueue(served, ['nap', '--param', 'seconds=120'])
    await page.getByRole('link', { name: 'Queue', exact: true }).click()
    const row = page.locator(`[data-testid="queue-running"] [data-job-id="${id}"]`)
    await row.waitFor({ timeout: 10_000 })
    await row.getByTestId('cancel-job').click()
    // Stopping running work asks first (issue 12).
    await page.getByTestId('stop-dialog').getByTestId('stop-confirm').click()
    const run = await until(() => history(served).find((r) => r.jobId === id && r.status === 'canceled'), 45_000, `the cancel of ${id}`)
    expect(run.finishedAt).not.toBeNull()
  })

  it('shows a failed job with its error, and history search finds a line of its output', async () => {
    const id = enqueue(served, ['explode', '--param', 'reason=disk-full'])
    const failed = await until(() => history(served).find((r) => r.jobId === id && r.status === 'failed'), 20_000, 'the failure')
    expect(failed.error).toMatch(/exit code 7: cannot continue: no space left on device/)
    await page.getByRole('link', { name: 'History', exact: true }).click()
    const row = page.locator(`[data-testid="history-table"] [data-run-id="${failed.id}"]`)
    await row.waitFor({ timeout: 10_000 })
    await expect(row.textContent()).resolves.toMatch(/no space left on device/)

    await page.getByTestId('history-search').fill('explosion')
    await row.waitFor({ timeout: 10_000 })
    await until(async () => (await page.locator('[data-testid="history-table"] [data-run-id]').count()) === 1, 10_000, 'one match')

    await row.click()
    const panel = page.getByTestId('run-panel')
    await panel.waitFor()
    await expect(panel.getByTestId('run-log').textContent()).resolves.toMatch(/starting the explosion/)
    await page.keyboard.press('Escape')
    await panel.waitFor({ state: 'detached' })
  })

  it('exports the filtered runs as a CSV download', async () => {
    await page.getByRole('link', { name: 'History', exact: true }).click()
    await page.getByTestId('history-search').fill('')
    const expected = history(served).filter((r) => r.status === 'failed')
    await page.getByTestId('history-filter-status').click()
    await page.locator('.n-base-select-option', { hasText: 'failed' }).first().click()
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('history-export').click()])
    const file = await download.path()
    const lines = fs.readFileSync(file, 'utf8').trimEnd().split(/\r?\n/)
    expect(lines[0]).toMatch(/^id,jobId,type,status/)
    expect(lines.slice(1).map((l) => l.split(',')[0]).sort()).toEqual(expected.map((r) => r.id).sort())
    expect(download.suggestedFilename()).toMatch(/^jobdeck-runs-\d{8}-\d{4}\.csv$/)
  })

  it('a job enqueued from the CLI appears in the open window within a second', async () => {
    await page.getByRole('link', { name: 'Queue', exact: true }).click()
    // A long nap keeps the lane busy so the next one waits in the queue.
    served.cli(['pause'])
    const started = Date.now()
    const id = enqueue(served, ['nap', '--param', 'seconds=30'])
    const enqueuedAt = Date.now()
    await page.locator(`[data-testid="queue-waiting"] [data-job-id="${id}"]`).waitFor({ timeout: 5000 })
    expect(Date.now() - enqueuedAt).toBeLessThan(1000)
    expect(enqueuedAt - started).toBeLessThan(10_000)
    served.cli(['cancel', id])
    served.cli(['resume'])
  })
})
