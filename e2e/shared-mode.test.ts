// Shared mode in the browser: `jobdeck serve --pg` on the real PostgreSQL of the test run, reached
// through a TCP proxy in this process that a test cuts and restores. The offline banner under the
// status strip, on more than one view, over the cached history; and Settings → Database testing
// URLs against the real server and a closed port. Nothing here may block this process's event
// loop while the proxy serves (no spawnSync: `cliAsync`, and pg queries are async).
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import pg from 'pg'
import type { Browser, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase, type TestDatabase } from '../src-main/core/test-support/postgres'
import { startTcpProxy, viaProxy, type TcpProxy } from '../src-main/core/test-support/tcp-proxy'
import { ensureRendererBuilt, launchBrowser, openApp, ROOT, reportFailure, serve, skipWithoutBrowser, until, withoutPassword, type Served } from './harness'

const FIXTURES = path.join(ROOT, 'e2e', 'fixtures')


/** A port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return typeof address === 'object' && address ? address.port : 1
}

describe.skipIf(skipWithoutBrowser)('shared mode in the browser', { timeout: 120_000 }, () => {
  let dir: string
  let db: TestDatabase
  let proxy: TcpProxy
  let client: pg.Client
  let served: Served
  let browser: Browser
  let page: Page

  beforeAll(async () => {
    ensureRendererBuilt()
    // The fixtures in a temp dir: Settings → Save writes postgres.url into this copy, not the repo's.
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jobdeck-e2e-shared-'))
    fs.cpSync(FIXTURES, dir, { recursive: true })
    // This test is not about the resource gate: a CPU made busy by other suites must not hold its one job back.
    const config = path.join(dir, 'jobdeck.yaml')
    const text = fs.readFileSync(config, 'utf8')
    if (!/^monitor:\n/m.test(text)) throw new Error(`${config}: expected a monitor: block to add the hysteresis to`)
    fs.writeFileSync(config, text.replace(/^monitor:\n/m, 'monitor:\n  hysteresis: { samples: 60, margin: 0 }\n'))
    db = await createTestDatabase('jobdeck_e2e')
    client = new pg.Client({ connectionString: db.url })
    await client.connect()
    const target = new URL(db.url)
    proxy = await startTcpProxy(target.hostname, Number(target.port || 5432))
    served = await serve({ config, args: ['--pg', viaProxy(db.url, proxy.port)] })
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

  const banner = (): ReturnType<Page['getByTestId']> => page.getByTestId('offline-banner')
  const strip = (): ReturnType<Page['getByTestId']> => page.getByTestId('strip-connection')

  it('Settings → Database tests the real server and a closed port, and refuses to keep a password headless', async () => {
    await page.getByRole('link', { name: 'Settings', exact: true }).click()
    const section = page.getByTestId('database-settings')
    await section.getByTestId('database-state').filter({ hasText: 'Shared · online' }).waitFor({ timeout: 20_000 })
    // The URL in use, its password redacted, and where it came from.
    const shown = (await section.getByTestId('database-url').textContent()) ?? ''
    expect(shown).toContain(`127.0.0.1:${proxy.port}`)
    expect(shown).not.toContain(':postgres@')
    await expect(section.textContent()).resolves.toMatch(/from the --pg flag/)

    const url = section.getByTestId('database-url-input')
    const problem = section.getByTestId('database-url-problem')
    // Checked as the operator types; Test stays disabled while the URL is not one.
    await url.fill('mysql://db/jobdeck')
    await expect(problem.getAttribute('data-problem')).resolves.toBe('yes')
    await expect(problem.textContent()).resolves.toMatch(/postgres:\/\//)
    await expect(section.getByTestId('database-test').isDisabled()).resolves.toBe(true)

    // The real server: ok, with its version and the latency.
    await url.fill(db.url)
    await expect(problem.getAttribute('data-problem')).resolves.toBe('no')
    await section.getByTestId('database-test').click()
    const result = section.getByTestId('database-test-result')
    await result.waitFor({ timeout: 15_000 })
    await expect(result.getAttribute('data-ok')).resolves.toBe('true')
    const okText = (await result.textContent()) ?? ''
    expect(okText).toMatch(/Connected/)
    expect(okText).toMatch(/PostgreSQL \d+/)
    expect(okText).toMatch(/\d+ ms/)
    expect(okText).toMatch(/Jobdeck schema version \d+/)

    // A port nothing listens on: the error in words, and what to try. Editing cleared the last result.
    await url.fill(`postgres://postgres@127.0.0.1:${await closedPort()}/jobdeck`)
    await expect(result.count()).resolves.toBe(0)
    await url.press('Enter')
    await result.waitFor({ timeout: 15_000 })
    await expect(result.getAttribute('data-ok')).resolves.toBe('false')
    const failed = (await result.textContent()) ?? ''
    expect(failed).toMatch(/Could not connect/)
    expect(failed).toMatch(/ECONNREFUSED/)
    expect(failed).toMatch(/Nothing accepts connections/)

    // Headless there is no keychain: a password is refused, and the page says so and what to do.
    await url.fill(withoutPassword(db.url))
    await section.getByTestId('database-password-input').fill('postgres')
    await section.getByTestId('database-save').click()
    const saveError = section.getByTestId('database-save-error')
    await saveError.waitFor({ timeout: 10_000 })
    await expect(saveError.textContent()).resolves.toMatch(/no keychain.*PGPASSWORD/)
    expect(fs.readFileSync(path.join(dir, 'jobdeck.yaml'), 'utf8')).not.toMatch(/postgres:\s*\n\s*url:/)

    // Without the password the URL is saved into the config file, to apply at the next start.
    await section.getByTestId('database-password-input').fill('')
    await section.getByTestId('database-save').click()
    const saved = section.getByTestId('database-save-result')
    await saved.waitFor({ timeout: 10_000 })
    await expect(saved.getAttribute('data-restart')).resolves.toBe('true')
    await expect(saved.textContent()).resolves.toMatch(/Restart Jobdeck to switch to this database.*--pg flag/)
    const written = fs.readFileSync(path.join(dir, 'jobdeck.yaml'), 'utf8')
    expect(written).toContain(withoutPassword(db.url))
    expect(written).not.toContain(':postgres@')
  })

  it('while the database is cut off, every view shows the offline banner over the cached history; it goes when the database is back', async () => {
    await page.getByRole('link', { name: 'Queue', exact: true }).click()
    await until(async () => (await strip().getAttribute('data-db-status')) === 'online', 20_000, 'the strip to say shared and online')
    await expect(strip().textContent()).resolves.toMatch(/Shared/)
    await expect(banner().count()).resolves.toBe(0)

    // A run in the shared history (enqueued straight into the database, not through the proxy).
    const enqueued = await served.cliAsync(['enqueue', 'greet', '--param', 'name=ann', '--pg', db.url])
    expect(enqueued.code, enqueued.stderr).toBe(0)
    const jobId = enqueued.stdout.trim()
    const runId = await until(
      async () => (await client.query<{ id: string }>(`SELECT id FROM jobdeck.runs WHERE job_id = $1 AND status = 'succeeded'`, [jobId])).rows[0]?.id,
      30_000,
      'the greet run to succeed',
    )
    await page.getByRole('link', { name: 'History', exact: true }).click()
    const row = page.locator(`[data-testid="history-table"] [data-run-id="${runId}"]`)
    await row.locator('[data-status="succeeded"]').waitFor({ timeout: 15_000 })
    await expect(banner().count()).resolves.toBe(0)

    proxy.cut()
    const cutAt = Date.now()
    // History: the banner says offline, since when and when it last synced; the cached run stays.
    await banner().waitFor({ timeout: 10_000 })
    const text = (await banner().textContent()) ?? ''
    expect(text).toMatch(/Shared database offline since \d\d:\d\d:\d\d/)
    expect(text).toMatch(/showing cached history, last synced \d\d:\d\d:\d\d/)
    await expect(page.locator('.offline-region[role="status"][aria-live="polite"]').count()).resolves.toBe(1)
    await row.locator('[data-status="succeeded"]').waitFor({ timeout: 5_000 })
    await expect(strip().getAttribute('data-db-status')).resolves.toBe('offline')
    await expect(strip().textContent()).resolves.toMatch(/offline since/)
    // The error and what to do, one click away.
    await banner().getByTestId('offline-details-toggle').click()
    await expect(banner().getByTestId('offline-details').textContent()).resolves.toMatch(/ECONN|terminated|ended|timeout|refused/i)
    await expect(banner().getAttribute('title')).resolves.toMatch(/\S/)

    // Another view: the same banner.
    await page.getByRole('link', { name: 'Queue', exact: true }).click()
    await page.locator('[data-view="queue"]').waitFor()
    await expect(banner().isVisible()).resolves.toBe(true)
    await expect(banner().textContent()).resolves.toMatch(/offline/)
    await page.getByRole('link', { name: 'Timeline', exact: true }).click()
    await page.locator('[data-view="timeline"]').waitFor()
    await expect(banner().isVisible()).resolves.toBe(true)

    // A short outage (the server's backoff doubles from 500 ms), then the database is back.
    await until(() => Date.now() - cutAt > 2_000, 5_000, 'a two-second outage')
    proxy.restore()
    await banner().waitFor({ state: 'detached', timeout: 45_000 })
    await until(async () => (await strip().getAttribute('data-db-status')) === 'online', 10_000, 'the strip to say online again')
    await expect(strip().textContent()).resolves.toMatch(/Shared/)
    await page.getByRole('link', { name: 'History', exact: true }).click()
    await row.locator('[data-status="succeeded"]').waitFor({ timeout: 10_000 })
  })
})
