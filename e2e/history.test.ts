// History's search and counts, end to end (issue 12): a search shows each run's snippet with the
// word marked (readable in both themes) and how many match; the header counts all runs from the
// maintained counters; the filters live in the route query (the Queue's link lands filtered, a
// reload keeps them); the stats box counts canceled runs apart and says how many types it folds.
import path from 'node:path'
import type { Page } from 'playwright-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { enqueue, history, openApp, ROOT, servedApp, skipWithoutBrowser, until, type Served } from './harness'

const CONFIG = path.join(ROOT, 'e2e', 'fixtures', 'history.yaml')

/** WCAG contrast of two CSS colours as the browser computed them (`rgb(…)`). */
function contrast(a: string, b: string): number {
  const luminance = (css: string): number => {
    const [r, g, bl] = (css.match(/[\d.]+/g) ?? []).slice(0, 3).map((v) => {
      const c = Number(v) / 255
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4
    }) as [number, number, number]
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl
  }
  const [x, y] = [luminance(a), luminance(b)]
  return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05)
}

async function markContrast(page: Page): Promise<number> {
  const mark = page.locator('[data-testid="search-snippet"] mark').first()
  await mark.waitFor()
  const [color, background] = await mark.evaluate((el) => {
    const style = (globalThis as unknown as { getComputedStyle(e: unknown): { color: string; backgroundColor: string } }).getComputedStyle(el)
    return [style.color, style.backgroundColor]
  })
  return contrast(color, background)
}

describe.skipIf(skipWithoutBrowser)('History search, counts and filters', { timeout: 180_000 }, () => {
  const app = servedApp(CONFIG, 180_000)
  let served: Served
  let page: Page
  beforeAll(async () => {
    served = app.served
    page = app.page
    for (const name of ['warehouse', 'warehouse', 'warehouse']) enqueue(served, ['alpha', '--param', `name=${name}`])
    enqueue(served, ['bravo', '--param', 'name=dock'])
    for (const type of ['charlie', 'delta', 'echo', 'foxtrot', 'golf']) enqueue(served, [type])
    enqueue(served, ['explode'])
    const nap = enqueue(served, ['nap', '--param', 'seconds=60'])
    await until(() => history(served).find((r) => r.jobId === nap && r.status === 'running'), 30_000, 'the nap to start')
    served.cli(['cancel', nap])
    await until(() => history(served).length === 11 && history(served).every((r) => r.status !== 'running'), 60_000, 'every run to finish')
  }, 120_000)

  it('marks the word in each matching run, says how many match and how many runs there are in all', async () => {
    await page.getByRole('link', { name: 'History', exact: true }).click()
    await page.getByTestId('history-search').fill('warehouse')
    await until(async () => (await page.getByTestId('history-count').textContent()) === '3 matches', 10_000, '3 matches')
    await expect(page.getByTestId('history-total').textContent()).resolves.toBe('of 11 runs in all')
    const snippets = page.locator('[data-testid="history-table"] [data-run-id] [data-testid="search-snippet"]')
    await until(async () => (await snippets.count()) === 3, 10_000, 'three snippets')
    for (const snippet of await snippets.all()) {
      await expect(snippet.textContent()).resolves.toMatch(/hello warehouse number 2/)
      await expect(snippet.locator('mark').allTextContents()).resolves.toEqual(['warehouse'])
    }
    // One word: one match; none: says so.
    await page.getByTestId('history-search').fill('dock')
    await until(async () => (await page.getByTestId('history-count').textContent()) === '1 match', 10_000, '1 match')
    await page.getByTestId('history-search').fill('zebra')
    await until(async () => (await page.getByTestId('history-count').textContent()) === 'no matches', 10_000, 'no matches')
  })

  it('shows the marked word readably in the light and the dark theme', async () => {
    await page.getByTestId('history-search').fill('warehouse')
    expect(await markContrast(page)).toBeGreaterThanOrEqual(4.5)
    const browser = page.context().browser()
    if (!browser) throw new Error('no browser')
    const dark = await openApp(browser, page.url(), { colorScheme: 'dark' })
    try {
      expect(await dark.page.locator('html').getAttribute('data-theme')).toBe('dark')
      expect(await markContrast(dark.page)).toBeGreaterThanOrEqual(4.5)
    } finally {
      await dark.context.close()
    }
  })

  it('keeps the filters in the route query: a reload shows the same runs', async () => {
    await page.getByTestId('history-search').fill('warehouse')
    await until(() => /[?&]q=warehouse/.test(page.url()), 10_000, 'the search in the URL')
    await page.reload()
    await until(async () => (await page.getByTestId('history-count').textContent()) === '3 matches', 15_000, '3 matches after the reload')
    await expect(page.getByTestId('history-search').inputValue()).resolves.toBe('warehouse')
    await page.getByTestId('history-search').fill('')
    await until(async () => (await page.getByTestId('history-count').textContent()) === '11 runs', 10_000, 'all 11 runs')
    expect(page.url()).not.toMatch(/[?&]q=/)
  })

  it("lands the Queue's failures link on History filtered the same way", async () => {
    await page.getByRole('link', { name: 'Queue', exact: true }).click()
    const link = page.getByTestId('failures-history')
    await link.waitFor({ timeout: 15_000 })
    await expect(page.getByTestId('failures-heading').textContent()).resolves.toBe('1 failed in the last 24 h, not yet retried')
    await link.click()
    await until(async () => (await page.getByTestId('history-count').textContent()) === '1 run', 10_000, 'the one failed run')
    expect(page.url()).toMatch(/[?&]status=failed/)
    expect(page.url()).toMatch(/[?&]since=24h/)
    await expect(page.getByTestId('history-filter-status').textContent()).resolves.toMatch(/failed/)
    await expect(page.locator('[data-testid="history-filter-range"] [aria-pressed="true"]').textContent()).resolves.toBe('24h')
    const rows = page.locator('[data-testid="history-table"] [data-run-id]')
    await expect(rows.count()).resolves.toBe(1)
    await expect(rows.first().locator('[data-status]').getAttribute('data-status')).resolves.toBe('failed')
  })

  it('counts canceled runs apart in the stats box, defines the success rate, and says how many types are folded', async () => {
    const stats = page.getByTestId('history-stats')
    await stats.waitFor()
    const more = stats.getByTestId('history-stats-more')
    await expect(more.textContent()).resolves.toBe('+4 more types')
    await expect(stats.locator('tbody tr').count()).resolves.toBe(5)
    await more.click()
    await expect(stats.locator('tbody tr').count()).resolves.toBe(9)
    const nap = stats.locator('tr[data-type="nap"]')
    await expect(nap.locator('[data-outcome="canceled"]').textContent()).resolves.toBe('1')
    await expect(nap.locator('[data-outcome="succeeded"]').textContent()).resolves.toBe('0')
    await expect(nap.getByTestId('success-rate').textContent()).resolves.toBe('—')
    await expect(nap.getByTestId('success-rate').getAttribute('title')).resolves.toMatch(/Canceled \(1\) and interrupted \(0\) runs are not counted/)
    const alpha = stats.locator('tr[data-type="alpha"]')
    await expect(alpha.getByTestId('success-rate').getAttribute('title')).resolves.toMatch(/= 3 ÷ 3\./)
    await expect(more.textContent()).resolves.toBe('Show fewer types')
  })
})
