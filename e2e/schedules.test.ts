// Schedules end to end (issue 14): the Schedules view lists each schedule with its next fire as
// the engine computes it (`jobdeck schedules --json`); Run now makes a job the Queue shows; the
// Timeline draws the next fire ahead of now as a ghost bar and flags the conflict predicted
// between two schedules firing at the same times in one lane of limit 1.
import path from 'node:path'
import type { Page } from 'playwright-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { history, ROOT, servedApp, skipWithoutBrowser, until, type Served } from './harness'

const CONFIG = path.join(ROOT, 'e2e', 'fixtures', 'schedules.yaml')

interface ListedSchedule {
  name: string
  job: string
  timezone: string
  nextFires: string[]
}

/** What the page's chart exposes for finding where a time and row are drawn. */
interface ChartGlobals {
  __jobdeckPerf?: {
    timeline?: {
      paints: Array<{ ahead: number; aheadLayers: Record<string, number> }>
      chart: { convertToPixel(finder: object, value: [number, number]): [number, number]; getOption(): { yAxis: Array<{ data?: string[] }> } } | null
    }
  }
}

/** Through the navigation (a toast may hold a link of the same name). */
async function openView(page: Page, name: string): Promise<void> {
  await page.getByTestId(`nav-${name.toLowerCase()}`).click()
}

describe.skipIf(skipWithoutBrowser)('schedules in the window', { timeout: 150_000 }, () => {
  const app = servedApp(CONFIG, 180_000)
  let served: Served
  let page: Page
  beforeAll(() => {
    served = app.served
    page = app.page
  })

  it('the Schedules view lists each schedule with its next fire, relative and absolute, in its zone', async () => {
    await openView(page, 'Schedules')
    const listed = JSON.parse(served.cli(['schedules', '--json']).stdout) as ListedSchedule[]
    expect(listed.map((s) => s.name).sort()).toEqual(['report-north', 'report-south'])
    for (const schedule of listed) {
      const row = page.locator(`[data-testid="schedules-table"] tr[data-schedule="${schedule.name}"]`)
      await row.waitFor({ timeout: 15_000 })
      const next = row.getByTestId('next-fire')
      // The engine's next fire, read again if it passed meanwhile (a */10 boundary).
      const at = Number(await next.getAttribute('data-at'))
      const fresh = (JSON.parse(served.cli(['schedules', '--json']).stdout) as ListedSchedule[]).find((s) => s.name === schedule.name)
      expect([Date.parse(schedule.nextFires[0] ?? ''), Date.parse(fresh?.nextFires[0] ?? '')]).toContain(at)
      const text = (await next.textContent()) ?? ''
      expect(text).toMatch(/in (a moment|\d+ s|\d+ min)/)
      // The operator's clock beside it, and the schedule's zone.
      expect(text).toMatch(/\d\d:\d\d/)
      expect(text).toContain(schedule.timezone)
      await expect(row.getByTestId('schedule-description').textContent()).resolves.toMatch(/10 minutes/i)
      await expect(row.getByTestId('schedule-strip').getAttribute('data-count')).resolves.toBe('144')
    }
    // Where a notification of missed or skipped fires lands: that schedule's fires open.
    await openView(page, 'Queue')
    await page.evaluate(() => {
      ;(globalThis as unknown as { location: { hash: string } }).location.hash = '#/schedules?schedule=report-south'
    })
    await page.locator('[data-testid="schedule-fires"][data-schedule="report-south"]').waitFor({ timeout: 10_000 })
    await expect(page.locator('tr.focused').getAttribute('data-schedule')).resolves.toBe('report-south')
    await expect(page.locator('[data-testid="schedule-fires"][data-schedule="report-south"]').textContent()).resolves.toMatch(/Why didn't it run\?/)
  })

  it('Run now makes a job that is seen in Queue', async () => {
    await openView(page, 'Schedules')
    const row = page.locator('[data-testid="schedules-table"] tr[data-schedule="report-north"]')
    await row.getByTestId('run-now').click()
    const toast = page.getByTestId('run-now-toast')
    await toast.waitFor({ timeout: 10_000 })
    const jobId = await toast.getAttribute('data-job-id')
    expect(jobId).toBeTruthy()
    await openView(page, 'Queue')
    await page.locator(`[data-job-id="${jobId}"]`).first().waitFor({ timeout: 15_000 })
    // The job carries its schedule's name into History.
    const run = await until(() => history(served).find((r) => r.jobId === jobId && r.finishedAt !== null), 60_000, 'the run-now job to finish')
    expect((run as unknown as { schedule: string | null }).schedule).toBe('report-north')
    // The Schedules view shows it as the last fire, run now.
    await openView(page, 'Schedules')
    await until(async () => ((await row.getByTestId('last-fire').textContent()) ?? '').includes('run now'), 15_000, 'the last fire to read "run now"')
    // Its fires list the run-now fire with its job; the job's panel names the schedule.
    await row.getByTestId('why-not-run').click()
    const fire = page.locator('[data-testid="schedule-fires"][data-schedule="report-north"] tr[data-outcome="manual"]')
    await fire.getByRole('button', { name: 'Open' }).click()
    await expect(page.getByTestId('job-schedule').textContent()).resolves.toBe('report-north')
    await page.keyboard.press('Escape')
  })

  it('Pause for 1 hour shows it paused until then, and Undo resumes it', async () => {
    await openView(page, 'Schedules')
    const row = page.locator('[data-testid="schedules-table"] tr[data-schedule="report-south"]')
    await row.getByTestId('pause-schedule').click()
    await page.getByText('For 1 hour', { exact: true }).click()
    await until(async () => (await row.getAttribute('data-state')) === 'paused', 10_000, 'the schedule to show paused')
    await expect(row.getByTestId('schedule-state').textContent()).resolves.toMatch(/^Paused until \d\d-\d\d \d\d:\d\d$/)
    const listed = (JSON.parse(served.cli(['schedules', '--json']).stdout) as Array<ListedSchedule & { pausedUntil: string | null }>).find((s) => s.name === 'report-south')
    expect(Date.parse(listed?.pausedUntil ?? '') - Date.now()).toBeGreaterThan(50 * 60_000)
    await page.getByTestId('undo-pause').click()
    await until(async () => (await row.getAttribute('data-state')) === 'active', 10_000, 'the schedule to show active again')
    const resumed = (JSON.parse(served.cli(['schedules', '--json']).stdout) as Array<ListedSchedule & { pausedUntil: string | null }>).find((s) => s.name === 'report-south')
    expect(resumed?.pausedUntil).toBeNull()
  })

  it('the Timeline draws the next fire as a ghost bar and flags the conflict predicted in the lane of limit 1', async () => {
    await openView(page, 'Timeline')
    await page.getByTestId('timeline-chart').locator('canvas').first().waitFor({ timeout: 10_000 })
    // Room ahead of now, with both schedules' fires in it.
    const summary = page.getByTestId('timeline-ahead-summary')
    await until(async () => Number(await summary.getAttribute('data-fires')) >= 2, 15_000, 'fires drawn ahead of now')
    // Painted: ghost bars (a recorded length, or the dashed one of unknown length) and the conflict's diamond.
    const painted = await until(
      () =>
        page.evaluate(() =>
          ((globalThis as unknown as ChartGlobals).__jobdeckPerf?.timeline?.paints ?? []).find(
            (p) => (p.aheadLayers['ahead:known'] ?? 0) + (p.aheadLayers['ahead:unknown'] ?? 0) >= 2 && (p.aheadLayers['conflict:marker'] ?? 0) >= 1,
          ),
        ),
      15_000,
      'a paint with the ghost bars and a conflict flagged',
    )
    expect(painted.ahead).toBeGreaterThanOrEqual(2)
    const nextFire = Math.min(
      ...(JSON.parse(served.cli(['schedules', '--json']).stdout) as ListedSchedule[]).map((s) => Date.parse(s.nextFires[0] ?? '')),
    )

    // Hover the next fire in the row of its type: the ghost bar says what it is.
    const point = await page.evaluate(
      ({ at }) => {
        const chart = (globalThis as unknown as ChartGlobals).__jobdeckPerf?.timeline?.chart
        const rows = chart?.getOption().yAxis[0]?.data ?? []
        return chart ? chart.convertToPixel({ gridIndex: 0 }, [at, rows.indexOf('report')]) : null
      },
      { at: nextFire },
    )
    if (!point) throw new Error('no chart')
    const box = await page.getByTestId('timeline-chart').boundingBox()
    if (!box) throw new Error('no chart box')
    // Just right of the fire (its diamond flags the conflict of the one that waits; the bar is under both).
    await page.mouse.move(box.x + point[0] + 1, box.y + point[1] + 4)
    const tip = page.getByRole('tooltip')
    await tip.waitFor({ timeout: 5_000 })
    const tipText = (await tip.textContent()) ?? ''
    expect(tipText).toMatch(/report-north|report-south/)
    expect(tipText).toMatch(/Next fire of|will wait/)

    // The conflict: flagged, counted and listed, saying who waits, for how long, and behind what.
    const button = page.getByTestId('timeline-conflicts')
    await until(async () => Number(await button.getAttribute('data-count')) >= 1, 10_000, 'a predicted conflict')
    await button.click()
    const first = page.getByTestId('conflict-list').locator('li').first()
    await expect(first.getAttribute('data-schedule')).resolves.toBe('report-south')
    await expect(first.getAttribute('data-lane')).resolves.toBe('reports')
    const line = (await first.textContent()) ?? ''
    // The run-now job gave the type a recorded length: the wait is said in seconds.
    expect(line).toMatch(/will wait ~\d+(\.\d)?s for its lane/)
    expect(line).toContain('behind report-north')
    await expect(page.getByTestId('legend-conflict').isVisible()).resolves.toBe(true)

    // A link can ask for the next 24 h: the range reaches a day ahead, with 144 fires of each schedule in it.
    await openView(page, 'Queue')
    await page.evaluate(() => {
      ;(globalThis as unknown as { location: { hash: string } }).location.hash = '#/timeline?ahead=24h'
    })
    const span = page.getByTestId('timeline-span')
    await until(async () => Number(await span.getAttribute('data-until')) - Date.now() > 23.5 * 3_600_000, 15_000, 'the range to reach 24 h ahead')
    await until(async () => Number(await summary.getAttribute('data-fires')) >= 2 * 143, 15_000, 'a day of fires ahead')
  })
})
