// Sources in the browser (issue 15): a real `background_jobs` table in PostgreSQL, configured as
// source `legacy` of `jobdeck serve`, with two rows that ran at the same time, a failure and a row
// running for two hours (stuck past `stuckAfter: 30m`). The Timeline shows them under the source's
// rows with the overlap flagged, History filters by source and finds the failure's error text,
// the stuck row is flagged on History, the Queue and Run detail, where "Mark failed" changes
// exactly that row of the table; Settings → Sources says how the source is doing. The source's
// database is reached through a TCP proxy in this process: cut, its rows are still shown, their
// badges saying offline with the last sync (nothing here may block the event loop while it serves:
// `cliAsync`, async pg).
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import pg from 'pg'
import type { Browser, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase, type TestDatabase } from '../src-main/core/test-support/postgres'
import { startTcpProxy, viaProxy, type TcpProxy } from '../src-main/core/test-support/tcp-proxy'
import { ensureRendererBuilt, launchBrowser, openApp, ROOT, reportFailure, serve, skipWithoutBrowser, until, withoutPassword, type Served } from './harness'

interface TimelineHook {
  paints: Array<{ items: number; layers: Record<string, number> }>
  chart: { getOption(): { yAxis: Array<{ data?: string[]; axisLabel?: { formatter?: (row: string) => string } }> } } | null
}

const MIN = 60_000

/** To a view by the address's hash, as a link does (the page, its token and its stores stay). */
async function go(page: Page, hash: string): Promise<void> {
  await page.evaluate((h) => {
    ;(globalThis as unknown as { location: { hash: string } }).location.hash = h
  }, hash)
}

describe.skipIf(skipWithoutBrowser)('sources in the browser', { timeout: 180_000 }, () => {
  let dir: string
  let db: TestDatabase
  let client: pg.Client
  let proxy: TcpProxy
  let served: Served
  let browser: Browser
  let page: Page

  beforeAll(async () => {
    ensureRendererBuilt()
    db = await createTestDatabase('jobdeck_e2e_sources')
    client = new pg.Client({ connectionString: db.url })
    await client.connect()
    // The table the issue names, as the hand-written dashboard's app writes it.
    await client.query(`CREATE TABLE public.background_jobs (
      id serial PRIMARY KEY,
      job_type text NOT NULL,
      status text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      started_at timestamptz,
      completed_at timestamptz,
      error_message text)`)
    const at = (minutesAgo: number | null): Date | null => (minutesAgo === null ? null : new Date(Date.now() - minutesAgo * MIN))
    const rows: Array<[string, string, number, number | null, number | null, string | null]> = [
      // id 1 and 2 ran at the same time (40 → 30 min ago).
      ['report', 'completed', 55, 50, 30, null],
      ['export', 'completed', 45, 40, 20, null],
      ['report', 'failed', 16, 15, 10, 'warehouse feed timed out after 300s'],
      // Running for two hours: stuck past 30 min.
      ['reindex', 'running', 121, 120, null, null],
      ['report', 'pending', 1, null, null, null],
    ]
    for (const [type, status, created, started, completed, error] of rows) {
      await client.query('INSERT INTO public.background_jobs (job_type, status, created_at, started_at, completed_at, error_message) VALUES ($1, $2, $3, $4, $5, $6)', [
        type,
        status,
        at(created),
        at(started),
        at(completed),
        error,
      ])
    }
    const target = new URL(db.url)
    proxy = await startTcpProxy(target.hostname, Number(target.port || 5432))
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jobdeck-e2e-sources-'))
    fs.cpSync(path.join(ROOT, 'e2e', 'fixtures'), dir, { recursive: true })
    const config = path.join(dir, 'jobdeck.yaml')
    fs.appendFileSync(
      config,
      [
        'connections:',
        `  app: { url: "${withoutPassword(viaProxy(db.url, proxy.port))}" }`,
        'sources:',
        '  legacy:',
        '    connection: app',
        '    preset: background_jobs',
        '    poll: 1s',
        '    stuckAfter: 30m',
        '    actions: { markFailed: true }',
        '',
      ].join('\n'),
    )
    // A password is never written in the config file: it comes from the environment, as an operator's would.
    served = await serve({ config, env: { PGPASSWORD: decodeURIComponent(new URL(db.url).password) } })
    // Mirrored once the first poll is in: the five rows are jobs of source legacy.
    await until(
      // …and its running row past stuckAfter flagged (a poll may mirror the rows before it flags one).
      async () =>
        JSON.parse((await served.cliAsync(['sources', '--json'])).stdout || '[]').some(
          (s: { name: string; rows: number; stuck: number }) => s.name === 'legacy' && s.rows === 5 && s.stuck === 1,
        ),
      30_000,
      'the first sync of legacy, its stuck row flagged',
    )
    browser = await launchBrowser()
    page = (await openApp(browser, served.url)).page
  }, 180_000)

  afterEach(async ({ task }) => {
    await reportFailure(page, served, task)
  })

  afterAll(async () => {
    await browser?.close()
    await served?.stop()
    await proxy?.close()
    await client?.end().catch(() => undefined)
    await db?.drop()
    if (dir) fs.rmSync(dir, { recursive: true, force: true })
  })

  it("draws the source's rows on the Timeline under its badge, their overlaps flagged and the stuck row outlined", async () => {
    await go(page, '#/timeline')
    const hook = (): Promise<TimelineHook | null> => page.evaluate(() => (globalThis as unknown as { __jobdeckPerf?: { timeline?: TimelineHook } }).__jobdeckPerf?.timeline ?? null)
    let seen: TimelineHook['paints'] = []
    const paint = await until(
      async () => {
        const perf = await hook()
        seen = perf?.paints ?? []
        return perf?.paints.find((p) => p.items >= 4 && (p.layers['overlap:wash'] ?? 0) >= 1 && (p.layers.stuck ?? 0) >= 1) ?? null
      },
      30_000,
      'a paint of the source rows with the overlap and the stuck outline',
    ).catch((error: Error) => {
      // What was painted instead says which part was missing (the rows, the overlap or the outline).
      throw new Error(`${error.message}; the paints were ${JSON.stringify(seen.slice(-5))}`)
    })
    expect(paint.layers['bar:failed']).toBe(1)
    // Rows are the source's types, labelled with the badge's sign.
    const labels = await page.evaluate(() => {
      const chart = (globalThis as unknown as { __jobdeckPerf: { timeline: TimelineHook } }).__jobdeckPerf.timeline.chart
      const axis = chart?.getOption().yAxis[0]
      return (axis?.data ?? []).map((row) => axis?.axisLabel?.formatter?.(row) ?? row)
    })
    expect(labels).toEqual(expect.arrayContaining(['⇄ legacy · report', '⇄ legacy · export', '⇄ legacy · reindex']))
    await expect(page.getByTestId('legend-source').isVisible()).resolves.toBe(true)
    await expect(page.getByTestId('legend-stuck').isVisible()).resolves.toBe(true)
    const overlaps = page.getByTestId('timeline-overlaps')
    // The stuck row (running for two hours) ran beside all the others in the source's lane (limit 1):
    // with rows 1 and 2, three at once; with row 3, two.
    await until(async () => Number(await overlaps.getAttribute('data-count')) === 2, 10_000, 'the overlap count')
    await overlaps.click()
    const list = page.getByRole('complementary', { name: 'Overlapping runs' })
    const text = (await list.textContent()) ?? ''
    expect(text).toMatch(/legacy\s*◆ 3 at once · limit 1/)
    expect(text).toMatch(/legacy\s*◆ 2 at once · limit 1/)
    // The source filter: Jobdeck's own runs only (none here) draws no bar; the source's draws them all.
    await page.keyboard.press('Escape')
    const paintsNow = async (): Promise<number> => (await hook())?.paints.length ?? 0
    let before = await paintsNow()
    await page.getByTestId('timeline-filter-source').click()
    await page.locator('.n-base-select-option', { hasText: "Jobdeck's own" }).click()
    await until(async () => (await hook())?.paints.slice(before).some((p) => p.items === 0) ?? false, 10_000, 'a paint of no runs')
    before = await paintsNow()
    await page.getByTestId('timeline-filter-source').click()
    await page.locator('.n-base-select-option', { hasText: '⇄ legacy' }).click()
    await until(async () => (await hook())?.paints.slice(before).some((p) => p.items >= 4) ?? false, 10_000, "a paint of legacy's runs")
  })

  it('filters History by source and finds the failed row by the words of its error', async () => {
    await go(page, '#/history')
    const table = page.getByTestId('history-table')
    await until(async () => (await table.locator('[data-run-id]').count()) === 4, 15_000, 'the four started rows')
    // Every row carries its source's badge.
    await expect(table.locator('[data-testid="source-badge"][data-source="legacy"]').count()).resolves.toBe(4)
    await page.getByTestId('history-filter-source').click()
    await page.locator('.n-base-select-option', { hasText: "Jobdeck's own" }).click()
    await until(async () => (await page.getByTestId('history-empty').count()) === 1, 10_000, "no own runs: an empty list")
    expect(new URLSearchParams(new URL(page.url()).hash.split('?')[1]).get('source')).toBe('-')
    await page.getByTestId('history-filter-source').click()
    await page.locator('.n-base-select-option', { hasText: '⇄ legacy' }).click()
    await until(async () => (await table.locator('[data-run-id]').count()) === 4, 10_000, "legacy's four rows")
    await page.getByTestId('history-search').fill('warehouse')
    await page.getByTestId('history-search').press('Enter')
    await until(async () => (await table.locator('[data-run-id]').count()) === 1, 10_000, 'one match')
    const row = table.locator('[data-run-id]').first()
    await expect(row.getAttribute('data-run-id')).resolves.toBe('legacy:3/run')
    await expect(row.textContent()).resolves.toMatch(/failed/)
    await expect(row.textContent()).resolves.toMatch(/warehouse/)
  })

  it('flags the stuck row on History, the Queue and Run detail, where Mark failed changes exactly that row of the table', async () => {
    await go(page, '#/history?source=legacy&status=running')
    const row = page.locator('[data-testid="history-table"] [data-run-id="legacy:4/run"]')
    await until(() => row.count(), 10_000, 'the running row')
    await expect(row.getByTestId('stuck-flag').textContent()).resolves.toMatch(/stuck/)

    await go(page, '#/queue')
    const section = page.getByTestId('queue-sources')
    await until(async () => /1 running \(1 stuck\) · 1 waiting/.test((await section.getByTestId('queue-sources-count').textContent()) ?? ''), 10_000, 'the source section counts')
    const stuck = section.locator('[data-stuck="true"]')
    await expect(stuck.getAttribute('data-run-id')).resolves.toBe('legacy:4/run')
    await expect(stuck.getByTestId('stuck-flag').textContent()).resolves.toMatch(/stuck/)
    // The runner's own lists never hold a source's rows: not waiting, and its failure is not Jobdeck's to retry.
    await expect(page.locator('[data-testid="queue-waiting"] [data-job-id^="legacy:"]').count()).resolves.toBe(0)
    await expect(page.getByTestId('queue-failures-block').count()).resolves.toBe(0)
    await expect(page.getByTestId('retry-failed').isDisabled()).resolves.toBe(true)

    await stuck.click()
    const panel = page.getByTestId('run-panel')
    await until(() => panel.getByTestId('run-source').count(), 10_000, 'the run panel of the stuck row')
    await expect(panel.getByTestId('source-id').getAttribute('data-copy')).resolves.toBe('4')
    await expect(panel.getByTestId('stuck-flag').isVisible()).resolves.toBe(true)
    await expect(panel.getByTestId('run-actions-cancel').count()).resolves.toBe(0)
    await panel.getByTestId('run-actions-mark-failed').click()
    const confirm = page.locator('.n-dialog')
    await expect(confirm.textContent()).resolves.toMatch(/UPDATE public\.background_jobs … WHERE id = 4/)
    await confirm.getByRole('button', { name: 'Mark failed in public.background_jobs' }).click()
    await until(() => page.getByText('Marked row 4 of public.background_jobs failed (1 row updated).').count(), 10_000, 'the row count reported')
    const after = await client.query('SELECT id, status FROM public.background_jobs ORDER BY id')
    expect(after.rows).toEqual([
      { id: 1, status: 'completed' },
      { id: 2, status: 'completed' },
      { id: 3, status: 'failed' },
      { id: 4, status: 'failed' },
      { id: 5, status: 'pending' },
    ])
  })

  it('says in Settings → Sources how the source is doing, its index, and that Mark failed is enabled', async () => {
    await go(page, '#/settings')
    const source = page.locator('[data-testid="source-settings"][data-source="legacy"]')
    await until(() => source.count(), 10_000, 'the legacy source in Settings')
    await expect(source.getByTestId('source-state').textContent()).resolves.toMatch(/online/)
    await expect(source.getByTestId('source-rows').textContent()).resolves.toMatch(/5 mirrored/)
    await expect(source.getByTestId('source-mark-failed').getAttribute('data-enabled')).resolves.toBe('true')
    await source.getByTestId('source-test').click()
    await until(() => source.getByTestId('source-test-result').count(), 15_000, 'the test result')
    await expect(source.getByTestId('source-test-result').getAttribute('data-ok')).resolves.toBe('true')
  })

  it("keeps showing the source's rows when its database is cut off, their badges saying offline with the last sync", async () => {
    await go(page, '#/history?source=legacy')
    const table = page.getByTestId('history-table')
    await until(async () => (await table.locator('[data-run-id]').count()) === 4, 10_000, "legacy's four rows")
    proxy.cut()
    const badge = table.locator('[data-testid="source-badge"][data-source="legacy"]').first()
    await until(async () => /^offline · synced \d\d:\d\d$/.test((await badge.getByTestId('source-badge-state').textContent().catch(() => null)) ?? ''), 20_000, 'the badge saying offline')
    await expect(table.locator('[data-run-id]').count()).resolves.toBe(4)
    await expect(badge.getAttribute('title')).resolves.toMatch(/offline since .*shown from the cache, last sync/)
    await go(page, '#/settings')
    const state = page.locator('[data-testid="source-settings"][data-source="legacy"]').getByTestId('source-state')
    await expect(state.textContent()).resolves.toMatch(/offline since/)
    proxy.restore()
    await until(async () => /online/.test((await state.textContent()) ?? ''), 20_000, 'the source back online')
  })
})
