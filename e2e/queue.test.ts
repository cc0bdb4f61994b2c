// The Queue view's honest numbers and its keyboard, end to end (issue 12): an ETA from the run's
// own progress, a waiting list that holds still and says so, a confirm before stopping a running
// job, an Undo after canceling a waiting one, the view keys, and the job detail panel.
import path from 'node:path'
import type { Page } from 'playwright-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { enqueue, history, ROOT, runnerStatus as status, servedApp, skipWithoutBrowser, until, type Served } from './harness'

const CONFIG = path.join(ROOT, 'e2e', 'fixtures', 'queue.yaml')

/** `~1m 53s` → 113 (seconds); `~8.5s` → 8.5. */
function seconds(text: string): number {
  const m = /~(?:(\d+)m\s*)?(\d+(?:\.\d+)?)s/.exec(text)
  if (!m) throw new Error(`not an ETA: ${text}`)
  return Number(m[1] ?? 0) * 60 + Number(m[2])
}

async function openQueue(page: Page): Promise<void> {
  await page.getByRole('link', { name: 'Queue', exact: true }).click()
  await page.getByTestId('queue-state').waitFor()
}

describe.skipIf(skipWithoutBrowser)('the Queue view', { timeout: 120_000 }, () => {
  const app = servedApp(CONFIG, 180_000)
  let served: Served
  let page: Page
  beforeAll(() => {
    served = app.served
    page = app.page
  })

  it('shows the ETA of a job that reports ::progress from its own progress', async () => {
    await openQueue(page)
    const id = enqueue(served, ['nap', '--param', 'seconds=40'])
    const row = page.locator(`[data-testid="queue-running"] [data-job-id="${id}"]`)
    await row.waitFor({ timeout: 15_000 })
    // A few progress reports in (whole percents are coarse at first): the estimate is
    // elapsed ÷ progress, i.e. about 40 s in all.
    const eta = row.getByTestId('run-eta')
    const startedAt = Date.parse(status(served).running.find((r) => r.job.id === id)?.run.startedAt ?? '')
    await until(async () => Number(/(\d+)%/.exec((await row.locator('.figures').textContent()) ?? '')?.[1] ?? 0) >= 10, 20_000, '10% done')
    const [text, title] = await Promise.all([eta.textContent(), eta.getAttribute('title')])
    const elapsed = (Date.now() - startedAt) / 1000
    expect(title).toMatch(/own progress/)
    const left = seconds(text ?? '')
    expect(left).toBeGreaterThan(40 - elapsed - 6)
    expect(left).toBeLessThan(40 - elapsed + 6)
    // The status strip shows the same progress as the row (one store).
    const rowFigure = await row.locator('.figures').textContent()
    await expect(page.getByTestId('strip-current').locator('.figure').textContent()).resolves.toBe(rowFigure)
    // And the attempt against the attempts allowed: nap has no retries.
    await expect(row.getByTestId('run-attempt').textContent()).resolves.toBe('1 of 1 (no retries left)')
    served.cli(['cancel', id])
    await until(() => history(served).find((r) => r.jobId === id && r.status === 'canceled'), 30_000, 'the cancel')
  })

  it('asks before stopping a running job (Esc keeps it, Enter stops it), naming it with elapsed and progress', async () => {
    await openQueue(page)
    const id = enqueue(served, ['nap', '--param', 'seconds=120'])
    const row = page.locator(`[data-testid="queue-running"] [data-job-id="${id}"]`)
    await row.waitFor({ timeout: 15_000 })
    await until(async () => /%/.test((await row.locator('.figures').textContent()) ?? ''), 10_000, 'some progress')
    await row.getByTestId('cancel-job').click()
    const dialog = page.getByTestId('stop-dialog')
    await dialog.waitFor()
    const loss = (await dialog.getByTestId('stop-loss').textContent()) ?? ''
    expect(await dialog.textContent()).toMatch(/Take a nap/)
    expect(loss).toMatch(/It has run for [\d.]+m?s and reached \d+%/)
    await page.keyboard.press('Escape')
    await dialog.waitFor({ state: 'detached' })
    await new Promise((r) => setTimeout(r, 500))
    expect(status(served).running.map((r) => r.job.id)).toContain(id)

    await row.getByTestId('cancel-job').click()
    await dialog.waitFor()
    await page.keyboard.press('Enter')
    await until(() => history(served).find((r) => r.jobId === id && r.status === 'canceled'), 30_000, `the cancel of ${id}`)
  })

  it('cancels a waiting job at once, and Undo puts it back in its place', async () => {
    await openQueue(page)
    served.cli(['pause'])
    const first = enqueue(served, ['nap', '--param', 'seconds=5'])
    const second = enqueue(served, ['nap', '--param', 'seconds=5'])
    const row = page.locator(`[data-testid="queue-waiting"] [data-job-id="${first}"]`)
    await row.waitFor({ timeout: 5000 })
    await row.getByTestId('cancel-job').click()
    await until(() => !status(served).queued.some((j) => j.id === first), 5000, 'the cancel')
    await page.getByTestId('undo-cancel').click()
    await until(() => status(served).queued.map((j) => j.id).join() === [first, second].join(), 5000, 'the job back in front')
    await row.waitFor()
    await expect(row.getByTestId('queue-position').textContent()).resolves.toMatch(/^\s*1\s*$/)
    served.cli(['cancel', first])
    served.cli(['cancel', second])
    served.cli(['resume'])
  })

  it('holds the waiting list still under the pointer, says how many changes wait, and never shows a stale #', async () => {
    await openQueue(page)
    served.cli(['pause'])
    const ids = [1, 2, 3].map(() => enqueue(served, ['nap', '--param', 'seconds=5']))
    const table = page.getByTestId('queue-waiting')
    await table.locator(`[data-job-id="${ids[2]}"]`).waitFor({ timeout: 5000 })
    await table.locator(`[data-job-id="${ids[1]}"]`).hover()
    const urgent = enqueue(served, ['nap', '--param', 'seconds=5', '--priority', 'urgent'])
    const held = page.getByTestId('queue-held')
    await held.waitFor({ timeout: 5000 })
    await expect(held.textContent()).resolves.toMatch(/1 change — click to update/)
    // Shown last while the list holds still, but numbered as it runs: first.
    const rows = table.locator('tbody tr')
    await expect(rows.last().getAttribute('data-job-id')).resolves.toBe(urgent)
    await expect(rows.last().getByTestId('queue-position').textContent()).resolves.toMatch(/^\s*1\s*$/)
    await held.click()
    await until(async () => (await rows.first().getAttribute('data-job-id')) === urgent, 5000, 'the real order')
    await held.waitFor({ state: 'detached' })
    await page.mouse.move(0, 0)
    for (const id of [...ids, urgent]) served.cli(['cancel', id])
    served.cli(['resume'])
  })

  it('Enter on a waiting job opens its detail panel: params, place, why it waits; the route links to it', async () => {
    await openQueue(page)
    served.cli(['pause'])
    const id = enqueue(served, ['greet', '--param', 'name=zoe'])
    await page.locator(`[data-testid="queue-waiting"] [data-job-id="${id}"]`).waitFor({ timeout: 5000 })
    await page.locator(`[data-testid="queue-waiting"] [data-job-id="${id}"] td.lane-col`).click()
    await page.keyboard.press('Enter')
    const panel = page.getByTestId('job-panel')
    await panel.waitFor()
    expect(page.url()).toContain(`job=${id}`)
    await expect(panel.getByTestId('job-position').textContent()).resolves.toBe('#1')
    await expect(panel.getByTestId('job-reason').textContent()).resolves.toMatch(/runner paused: press Resume \(P\)/)
    await expect(panel.getByTestId('job-params').textContent()).resolves.toMatch(/zoe/)
    await page.keyboard.press('Escape')
    await panel.waitFor({ state: 'detached' })
    served.cli(['cancel', id])
    served.cli(['resume'])
  })

  it('at 1440 px shows job type, lane and why it waits whole: no column repeats "queued"', async () => {
    await openQueue(page)
    served.cli(['pause'])
    const ids = ['20417', '20417', '31337'].map((dealer) => enqueue(served, ['fetch-prospects', '--param', `dealer_id=${dealer}`, '--param', 'from=2026-01-01']))
    const table = page.getByTestId('queue-waiting')
    await table.locator(`[data-job-id="${ids[2]}"]`).waitFor({ timeout: 5000 })
    expect(page.viewportSize()?.width).toBe(1440)
    await expect(table.locator('thead').textContent()).resolves.not.toMatch(/Status/)
    const cut = await table.evaluate((el) =>
      [...el.querySelectorAll('tbody td.type-col .tt-title, tbody td.lane-col, tbody td.reason-col')]
        .filter((cell) => cell.scrollWidth > cell.clientWidth + 1)
        .map((cell) => cell.textContent?.trim()),
    )
    expect(cut, JSON.stringify(cut)).toEqual([])
    await expect(table.locator(`[data-job-id="${ids[0]}"] .tt-title`).textContent()).resolves.toBe('Fetch prospects for a dealer')
    for (const id of ids) served.cli(['cancel', id])
    served.cli(['resume'])
  })

  it('goes to each view with its key, as the sidebar lists them', async () => {
    await openQueue(page)
    await expect(page.getByTestId('nav-history').textContent()).resolves.toMatch(/History\s*H/)
    for (const [key, view] of [
      ['h', 'history'],
      ['t', 'timeline'],
      ['r', 'resources'],
      ['s', 'settings'],
      ['q', 'queue'],
    ] as const) {
      await page.keyboard.press(key)
      await until(() => page.url().includes(`#/${view}`), 5000, `${key} to open ${view}`)
    }
  })
})
