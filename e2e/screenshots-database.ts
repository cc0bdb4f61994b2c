// `node --import tsx e2e/screenshots-database.ts [outDir]`: shared mode for the docs. Settings →
// Database after a successful test (docs/screenshots/settings-database-light.png), and the offline
// banner over History while a TCP proxy in front of PostgreSQL is cut (into outDir, default the
// temp dir). PostgreSQL: JOBDECK_TEST_PG_URL, else the embedded one the tests use.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import pg from 'pg'
import { startTestPgServer } from '../src-main/core/test-support/postgres-server'
import { startTcpProxy, viaProxy } from '../src-main/core/test-support/tcp-proxy'
import { ensureRendererBuilt, launchBrowser, openApp, ROOT, serve } from './harness'

const DOCS = path.join(ROOT, 'docs', 'screenshots')
const OUT = path.resolve(process.argv[2] ?? os.tmpdir())

async function main(): Promise<void> {
  ensureRendererBuilt()
  fs.mkdirSync(DOCS, { recursive: true })
  fs.mkdirSync(OUT, { recursive: true })
  const server = await startTestPgServer()
  const admin = new pg.Client({ connectionString: server.url })
  await admin.connect()
  const name = `jobdeck_shots_${process.pid}`
  await admin.query(`CREATE DATABASE ${name}`)
  const dbUrl = new URL(server.url)
  dbUrl.pathname = `/${name}`
  const proxy = await startTcpProxy(dbUrl.hostname, Number(dbUrl.port || 5432))
  // As the Settings note advises for a headless Jobdeck: the password in PGPASSWORD, not in the URL.
  const password = decodeURIComponent(dbUrl.password)
  dbUrl.password = ''
  const served = await serve({ args: ['--pg', viaProxy(dbUrl.toString(), proxy.port)], env: { JOBDECK_EXAMPLE_SPEED: '8', PGPASSWORD: password } })
  try {
    for (const args of [
      ['enqueue', 'send-invoices', '--param', 'count=20'],
      ['enqueue', 'sync-inventory', '--param', 'warehouse=east', '--param', 'failRate=0'],
      ['enqueue', 'fetch-prospects', '--param', 'dealer_id=10001'],
    ]) {
      const result = await served.cliAsync([...args, '--pg', dbUrl.toString()])
      if (result.code !== 0) throw new Error(`${args.join(' ')}: ${result.stderr}`)
    }
    await new Promise((r) => setTimeout(r, 8_000))

    const browser = await launchBrowser()
    try {
      const { page, context } = await openApp(browser, served.url, { colorScheme: 'light', viewport: { width: 1440, height: 900 } })
      await page.getByRole('link', { name: 'Settings', exact: true }).click()
      const section = page.getByTestId('database-settings')
      await section.getByTestId('database-state').filter({ hasText: 'online' }).waitFor({ timeout: 20_000 })
      await section.getByTestId('database-url-input').fill(dbUrl.toString())
      await section.getByTestId('database-test').click()
      await section.getByTestId('database-test-result').waitFor({ timeout: 15_000 })
      await section.scrollIntoViewIfNeeded()
      await page.waitForTimeout(300)
      const settings = path.join(DOCS, 'settings-database-light.png')
      await section.screenshot({ path: settings })
      process.stdout.write(`${path.relative(ROOT, settings)}\n`)

      proxy.cut()
      await page.getByRole('link', { name: 'History', exact: true }).click()
      await page.getByTestId('offline-banner').waitFor({ timeout: 10_000 })
      await page.waitForTimeout(1500)
      const bannerShot = path.join(OUT, 'offline-banner-light.png')
      await page.screenshot({ path: bannerShot })
      await page.getByTestId('offline-details-toggle').click()
      const detailsShot = path.join(OUT, 'offline-banner-details-light.png')
      await page.screenshot({ path: detailsShot, clip: { x: 0, y: 0, width: 1440, height: 260 } })
      process.stdout.write(`${bannerShot}\n${detailsShot}\n`)
      proxy.restore()
      await context.close()
    } finally {
      await browser.close()
    }
  } finally {
    await served.stop()
    await proxy.close()
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined)
    await admin.end()
    await server.stop()
  }
}

await main()
