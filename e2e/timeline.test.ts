// The Timeline's opening range and its zoom gestures, end to end (issue 12): a fresh data dir
// with a few recent runs opens fitted to them (not on a day of 1-px slivers); a brush zooms to
// the dragged span, says so and marks no preset; + / - and the arrows zoom and move; three
// wheel notches halve or double the span.
import path from 'node:path'
import type { Page } from 'playwright-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { enqueue, history, ROOT, servedApp, skipWithoutBrowser, until, type Served } from './harness'

const CONFIG = path.join(ROOT, 'e2e', 'fixtures', 'jobdeck.yaml')
const MIN = 60_000

interface Shown {
  since: number
  until: number
  span: number
  zoomed: boolean
  text: string
}

async function shown(page: Page): Promise<Shown> {
  const el = page.getByTestId('timeline-span')
  const [since, until, zoomed, text] = await Promise.all([el.getAttribute('data-since'), el.getAttribute('data-until'), el.getAttribute('data-zoomed'), el.textContent()])
  return { since: Number(since), until: Number(until), span: Number(until) - Number(since), zoomed: zoomed === 'true', text: text ?? '' }
}

/** Waits until the shown window is no longer `before`. */
async function changedFrom(page: Page, before: Shown): Promise<Shown> {
  return until(async () => {
    const now = await shown(page)
    return now.since !== before.since || now.until !== before.until ? now : null
  }, 10_000, 'the timeline window to change')
}

async function pressedPresets(page: Page): Promise<string[]> {
  return page.locator('[data-testid="timeline-range"] [aria-pressed="true"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-preset') ?? ''))
}

describe.skipIf(skipWithoutBrowser)('the Timeline', { timeout: 120_000 }, () => {
  const app = servedApp(CONFIG, 180_000)
  let served: Served
  let page: Page
  beforeAll(async () => {
    served = app.served
    page = app.page
    for (const name of ['ann', 'bob', 'cat']) enqueue(served, ['greet', '--param', `name=${name}`, '--param', 'times=2'])
    enqueue(served, ['explode'])
    // Generous: on a loaded machine each job's process takes a while to start.
    await until(() => history(served).filter((r) => r.finishedAt !== null).length >= 4, 90_000, 'four finished runs')
  }, 120_000)

  it('Timeline fit-to-data and brush zoom', async () => {
    await page.getByRole('link', { name: 'Timeline', exact: true }).click()
    const chart = page.getByTestId('timeline-chart')
    await chart.locator('canvas').first().waitFor({ timeout: 10_000 })

    // Fitted to the runs of the last minute or so: a few minutes wide, not the old 24 h, with Fit marked.
    const fitted = await until(async () => {
      const s = await shown(page)
      return s.text.includes('fitted') ? s : null
    }, 10_000, 'the fitted range')
    expect(fitted.span).toBeLessThan(10 * MIN)
    expect(fitted.span).toBeGreaterThanOrEqual(2 * MIN)
    const firstRun = Math.min(...history(served).map((r) => Date.parse(r.startedAt)))
    expect(fitted.since).toBeLessThanOrEqual(firstRun)
    expect(await pressedPresets(page)).toEqual(['fit'])
    // The presets are still there.
    for (const preset of ['1h', '6h', '24h', '7d', '30d']) await expect(page.locator(`[data-preset="${preset}"]`).isVisible()).resolves.toBe(true)

    // Brush: drag across the middle of the Gantt's plot (left of it: 162 px of row labels, 16 px margin right).
    const box = await chart.boundingBox()
    if (!box) throw new Error('no chart box')
    const left = box.x + 162
    const width = box.width - 162 - 16
    const y = box.y + 40
    const x0 = left + width * 0.3
    const x1 = left + width * 0.55
    await page.mouse.move(x0, y)
    // Read again just before the drag: the fitted range follows now, as the presets do.
    const start = await shown(page)
    await page.mouse.down()
    await page.mouse.move((x0 + x1) / 2, y, { steps: 3 })
    await expect(page.getByTestId('timeline-brush').isVisible()).resolves.toBe(true)
    await page.mouse.move(x1, y, { steps: 3 })
    await page.mouse.up()
    const brushed = await changedFrom(page, start)
    expect(brushed.since).toBeCloseTo(start.since + 0.3 * start.span, -3)
    expect(brushed.until).toBeCloseTo(start.since + 0.55 * start.span, -3)
    expect(brushed.zoomed).toBe(true)
    expect(brushed.text).toMatch(/zoomed to (\d+m )?\d+(\.\d)?s\)/)
    expect(await pressedPresets(page)).toEqual([])
    // The drag opened no run panel on the way.
    await expect(page.locator('[data-testid="run-panel"]').count()).resolves.toBe(0)

    // Keys on the focused chart: - doubles, + halves, ← → move by a quarter.
    await chart.focus()
    await page.keyboard.press('-')
    const out = await changedFrom(page, brushed)
    expect(out.span).toBeCloseTo(2 * brushed.span, -3)
    await page.keyboard.press('+')
    const back = await changedFrom(page, out)
    expect(back.span).toBeCloseTo(brushed.span, -3)
    await page.keyboard.press('ArrowLeft')
    const moved = await changedFrom(page, back)
    expect(moved.span).toBeCloseTo(back.span, -3)
    expect(moved.since).toBeCloseTo(back.since - back.span / 4, -3)
    await page.keyboard.press('ArrowRight')
    const movedBack = await changedFrom(page, moved)
    expect(movedBack.since).toBeCloseTo(back.since, -3)

    // The wheel: three notches towards the operator double the span, three away halve it.
    await page.mouse.move(left + width * 0.5, y)
    let before = movedBack
    for (let i = 0; i < 3; i++) {
      await page.mouse.wheel(0, 100)
      before = await changedFrom(page, before)
    }
    expect(before.span).toBeCloseTo(2 * movedBack.span, -3)
    const doubled = before
    for (let i = 0; i < 3; i++) {
      await page.mouse.wheel(0, -100)
      before = await changedFrom(page, before)
    }
    expect(before.span).toBeCloseTo(doubled.span / 2, -3)
    expect(await pressedPresets(page)).toEqual([])

    // Fit again: the fitted range, marked, as at first.
    await page.locator('[data-preset="fit"]').click()
    await until(async () => ((await pressedPresets(page)).join() === 'fit' ? true : null), 10_000, 'Fit to be marked again')
    expect((await shown(page)).zoomed).toBe(false)
  })
})
