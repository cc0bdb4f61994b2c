// Issue 16's limits in the browser, each through the real `jobdeck serve` on its own config: Start
// now past the resource gate (Queue row, confirm, the run marked in Run detail, the next job still
// held); adaptive concurrency stepping down while free memory is under its floor (status strip,
// Resources, the Timeline's host strip); a lane's rate limit saying when the next start may be.
import path from 'node:path'
import type { Page } from 'playwright-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { enqueue, history, ROOT, runnerStatus, servedApp, skipWithoutBrowser, until, type Served } from './harness'

const FIXTURES = path.join(ROOT, 'e2e', 'fixtures')

async function openQueue(page: Page): Promise<void> {
  await page.getByRole('link', { name: 'Queue', exact: true }).click()
  await page.getByTestId('queue-state').waitFor()
}

function waitingRow(page: Page, jobId: string) {
  return page.locator(`table[data-testid="queue-waiting"] tr[data-job-id="${jobId}"]`)
}

describe.skipIf(skipWithoutBrowser)('Start now past the resource gate', { timeout: 120_000 }, () => {
  const app = servedApp(path.join(FIXTURES, 'start-now.yaml'), 180_000)
  let served: Served
  let page: Page
  beforeAll(() => {
    served = app.served
    page = app.page
  })

  it('starts one gate-held job after a confirm naming it, marks its run, and the next job of the type still waits', async () => {
    await openQueue(page)
    const first = enqueue(served, ['huge'])
    const second = enqueue(served, ['huge'])
    const row = waitingRow(page, first)
    await row.waitFor({ timeout: 15_000 })
    // Held by its needs, and the row says so.
    await until(async () => /^waiting for memory: .* free, needs /.test(((await row.getByTestId('queue-reason').textContent()) ?? '').trim()), 15_000, 'the gate as the wait reason')
    await row.getByTestId('start-now').click()

    const confirm = page.getByRole('dialog')
    await confirm.waitFor({ timeout: 5_000 })
    const words = (await confirm.textContent()) ?? ''
    // Which job, by its type's title and short id: the two rows look alike otherwise.
    expect(words).toContain(`Start Needs a huge machine (job …${first.slice(-8)}) now?`)
    expect(words).toMatch(/past the resource gate \(waiting for memory: .* free, needs .*\)\?/)
    await confirm.getByRole('button', { name: 'Start now', exact: true }).click()

    const run = await until(() => history(served).find((r) => r.jobId === first && r.status === 'succeeded'), 30_000, 'the started job to succeed')
    expect(run.gateBypassed).toBe(true)
    await page.evaluate((id) => {
      ;(globalThis as unknown as { location: { hash: string } }).location.hash = `#/history?run=${id}`
    }, run.id)
    const panel = page.getByTestId('run-panel')
    await expect(panel.getByTestId('run-gate-bypassed').textContent({ timeout: 10_000 })).resolves.toContain('started past the resource gate')
    await page.keyboard.press('Escape')

    // Start now passed the gate once: the second job of the type waits on it still.
    const status = runnerStatus(served)
    const held = status.queued.find((w) => w.id === second)
    expect(held?.waitReason?.kind).toBe('gate')
    await openQueue(page)
    const secondRow = waitingRow(page, second)
    await secondRow.waitFor({ timeout: 10_000 })
    expect(await secondRow.getByTestId('queue-reason').textContent()).toMatch(/waiting for memory: /)
    await expect(secondRow.getByTestId('start-now').isVisible()).resolves.toBe(true)
    expect(history(served).filter((r) => r.jobId === second)).toEqual([])
  })
})

interface TimelineHook {
  chart: { getOption(): { series: Array<{ id?: string; markLine?: { data?: Array<{ xAxis?: number }> } }> } } | null
}

describe.skipIf(skipWithoutBrowser)('adaptive concurrency', { timeout: 120_000 }, () => {
  const app = servedApp(path.join(FIXTURES, 'adaptive.yaml'), 180_000)
  let served: Served
  let page: Page
  beforeAll(() => {
    served = app.served
    page = app.page
  })

  it('steps down to 1 of 4 while free memory is under the floor: the strip, Resources and the Timeline show it', async () => {
    // Three steps, 4 → 3 → 2 → 1, each after 3 samples half a second apart.
    const strip = page.getByTestId('strip-concurrency')
    await until(async () => /^concurrency 1 of 4: /.test(((await strip.textContent().catch(() => '')) ?? '').trim()), 30_000, 'the strip to read concurrency 1 of 4')
    const text = ((await strip.textContent()) ?? '').trim()
    // 1000 TB in binary units, as the window shows sizes.
    expect(text).toMatch(/^concurrency 1 of 4: free memory \d.* under 909 TiB$/)
    expect(runnerStatus(served).limits).toMatchObject({ concurrency: 1, maxConcurrency: 4, adaptive: true })
    // Whole at 1440 px, not cut at the edge of its item.
    expect(await strip.evaluate((el) => [...el.querySelectorAll('span')].every((span) => span.scrollWidth <= span.clientWidth + 1) && el.scrollWidth <= el.clientWidth + 1)).toBe(true)

    await strip.click()
    const panel = page.getByTestId('resources-concurrency')
    await expect(panel.getByTestId('resources-concurrency-state').textContent({ timeout: 10_000 })).resolves.toBe(text)
    const changes = panel.getByTestId('resources-concurrency-changes').locator('li')
    await until(async () => (await changes.count()) >= 3, 10_000, 'three steps in the list')
    // Newest first: the last step is 2 → 1.
    expect(await changes.allTextContents()).toEqual(
      expect.arrayContaining([expect.stringContaining('concurrency 4 → 3'), expect.stringContaining('concurrency 3 → 2'), expect.stringContaining('concurrency 2 → 1')]),
    )
    expect(await changes.first().textContent()).toContain('concurrency 2 → 1')

    // The Timeline's host strip marks each step (a markLine on the host grid).
    enqueue(served, ['greet', '--param', 'name=ann'])
    await until(() => history(served).some((r) => r.status === 'succeeded'), 30_000, 'a finished run to draw')
    await page.getByRole('link', { name: 'Timeline', exact: true }).click()
    await page.getByTestId('timeline-chart').locator('canvas').first().waitFor({ timeout: 10_000 })
    const marks = await until(
      async () => {
        const xs = await page.evaluate(() => {
          const hook = (globalThis as unknown as { __jobdeckPerf?: { timeline?: TimelineHook } }).__jobdeckPerf?.timeline
          const series = hook?.chart?.getOption().series.find((s) => s.id === 'concurrency')
          return (series?.markLine?.data ?? []).map((d) => d.xAxis ?? 0)
        })
        return xs.length >= 3 ? xs : null
      },
      15_000,
      'three concurrency marks on the host strip',
    )
    await expect(page.getByTestId('legend-concurrency').textContent()).resolves.toContain('concurrency steps')
    // Each mark sits at a step's time: within the last minute, in order.
    for (const x of marks) expect(x).toBeGreaterThan(Date.now() - 5 * 60_000)
    expect([...marks].sort((a, b) => a - b)).toEqual(marks)
  })
})

describe.skipIf(skipWithoutBrowser)('a lane rate limit', { timeout: 120_000 }, () => {
  const app = servedApp(path.join(FIXTURES, 'rate.yaml'), 180_000)
  let served: Served
  let page: Page
  beforeAll(() => {
    served = app.served
    page = app.page
  })

  it("says when the second job of a 1/10s lane may start, at the first start plus 10 s", async () => {
    await openQueue(page)
    const first = enqueue(served, ['crm-sync'])
    const second = enqueue(served, ['crm-sync'])
    const started = await until(() => history(served).find((r) => r.jobId === first), 30_000, 'the first start')
    const row = waitingRow(page, second)
    await row.waitFor({ timeout: 10_000 })
    const reason = await until(
      async () => {
        const text = ((await row.getByTestId('queue-reason').textContent()) ?? '').trim()
        return text.startsWith('rate limit') ? text : null
      },
      8_000,
      'the rate limit as the wait reason',
    )
    const match = /^rate limit 1\/10s: next start at (\d\d):(\d\d):(\d\d)$/.exec(reason)
    expect(match, reason).not.toBeNull()
    // The time the window shows is the first start plus the window, in the browser's clock.
    const next = new Date(Date.parse(started.startedAt) + 10_000)
    const shown = await page.evaluate((iso) => {
      const d = new Date(iso)
      const two = (n: number): string => String(n).padStart(2, '0')
      return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`
    }, next.toISOString())
    // The runner counts the start when it claimed the job, a moment before the run's recorded start.
    const shownMs = (text: string): number => {
      const [h, m, sec] = text.split(':').map(Number)
      return ((h ?? 0) * 3600 + (m ?? 0) * 60 + (sec ?? 0)) * 1000
    }
    expect(Math.abs(shownMs(`${match?.[1]}:${match?.[2]}:${match?.[3]}`) - shownMs(shown))).toBeLessThanOrEqual(1000)
    // And it does start then, not before.
    const secondRun = await until(() => history(served).find((r) => r.jobId === second), 30_000, 'the second start')
    expect(Date.parse(secondRun.startedAt)).toBeGreaterThanOrEqual(Date.parse(started.startedAt) + 10_000 - 50)
  })
})
