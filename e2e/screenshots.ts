// `npm run screenshots`: every view, light and dark, of the real app with a realistic day of
// history, saved under docs/screenshots/ for the README.
import fs from 'node:fs'
import path from 'node:path'
import { ensureRendererBuilt, launchBrowser, openApp, ROOT, serve } from './harness'

const OUT = path.join(ROOT, 'docs', 'screenshots')
const VIEWS = ['Queue', 'Schedules', 'Timeline', 'History', 'Resources', 'Settings'] as const

async function main(): Promise<void> {
  ensureRendererBuilt()
  fs.mkdirSync(OUT, { recursive: true })
  const served = await serve({ env: { JOBDECK_EXAMPLE_SPEED: '8' } })
  try {
    // A little of everything: successes, a partial, failures with retries, a long report running.
    const dealers = ['10001', '10002', '10003', '20417', '31337', '44102']
    fs.writeFileSync(path.join(served.dataDir, '..', 'dealers.csv'), `dealer_id,from\n${dealers.map((d) => `${d},2026-01-01`).join('\n')}\n`)
    served.cli(['enqueue', 'fetch-prospects', '--bulk', path.join(served.dataDir, '..', 'dealers.csv')])
    served.cli(['enqueue', 'send-invoices', '--param', 'count=60'])
    served.cli(['enqueue', 'sync-inventory', '--param', 'warehouse=south', '--param', 'failRate=1'])
    served.cli(['enqueue', 'sync-inventory', '--param', 'warehouse=east', '--param', 'failRate=0'])
    await new Promise((r) => setTimeout(r, 12_000))
    served.cli(['enqueue', 'rebuild-report', '--param', 'report=margins', '--param', 'seconds=600'])
    served.cli(['enqueue', 'fetch-prospects', '--param', 'dealer_id=55555', '--priority', 'high'])
    served.cli(['enqueue', 'send-invoices', '--param', 'month=2026-10'])
    // The example's schedules: the nightly export run now once (its last fire, a job in the queue).
    served.cli(['schedules', 'run', 'nightly-prospects-12284'])
    await new Promise((r) => setTimeout(r, 4_000))

    const browser = await launchBrowser()
    try {
      for (const colorScheme of ['light', 'dark'] as const) {
        const { page, context } = await openApp(browser, served.url, { colorScheme, viewport: { width: 1440, height: 900 } })
        for (const view of VIEWS) {
          await page.getByTestId(`nav-${view.toLowerCase()}`).click()
          await page.waitForTimeout(1500)
          // Schedules: one schedule's recent fires open ("Why didn't it run?").
          if (view === 'Schedules') {
            await page.locator('[data-schedule="nightly-prospects-12284"] [data-testid="why-not-run"]').click()
            await page.waitForTimeout(500)
          }
          const file = path.join(OUT, `${view.toLowerCase()}-${colorScheme}.png`)
          await page.screenshot({ path: file })
          process.stdout.write(`${path.relative(ROOT, file)}\n`)
        }
        // History search: the matched word marked in each row's snippet, and how many match.
        await page.getByTestId('nav-history').click()
        await page.getByPlaceholder(/Search output and errors/).fill('inventory')
        await page.waitForTimeout(1500)
        const file = path.join(OUT, `history-search-${colorScheme}.png`)
        await page.screenshot({ path: file })
        process.stdout.write(`${path.relative(ROOT, file)}\n`)
        await context.close()
      }
    } finally {
      await browser.close()
    }
  } finally {
    await served.stop()
  }
}

await main()
