// Secret params in the window: typed hidden, shown as •••• in every view the run reaches, and a
// copied job asks for the value again. The real renderer in Chromium, the real engine and job.
import path from 'node:path'
import type { Page } from 'playwright-core'
import { beforeAll, describe, expect, it } from 'vitest'
import type { Run } from '../src-shared/domain'
import { ROOT, servedApp, skipWithoutBrowser, until, type Served } from './harness'

const CONFIG = path.join(ROOT, 'e2e', 'fixtures', 'secrets.yaml')
const TOKEN = 'tok-e2e-hunter2'


describe.skipIf(skipWithoutBrowser)('secret params in the browser', { timeout: 90_000 }, () => {
  const app = servedApp(CONFIG, 240_000)
  let served: Served
  let page: Page
  beforeAll(() => {
    served = app.served
    page = app.page
  })

  it('typed hidden, shown as •••• in Queue, History and the run panel, and asked again by Copy as new job', async () => {
    await page.getByRole('link', { name: 'Queue', exact: true }).click()
    await page.getByTestId('add-job').click()
    const dialog = page.getByTestId('add-job-dialog')
    await dialog.getByTestId('param-target').locator('input').fill('prod')
    const token = dialog.getByTestId('param-token').locator('input')
    await expect(token.getAttribute('type')).resolves.toBe('password')
    await token.fill(TOKEN)
    await dialog.getByTestId('submit-job').click()

    const run = await until(
      () => (JSON.parse(served.cli(['history', '--json']).stdout) as Run[]).find((r) => r.type === 'deploy' && r.status === 'succeeded'),
      20_000,
      'the deploy run',
    )
    expect(run.params).toEqual({ target: 'prod', token: '••••' })

    await page.getByRole('link', { name: 'History', exact: true }).click()
    const row = page.locator(`[data-testid="history-table"] [data-run-id="${run.id}"]`)
    await row.waitFor({ timeout: 10_000 })
    await row.click()
    const panel = page.getByTestId('run-panel')
    await panel.waitFor()
    await until(async () => /deploying prod with ••••/.test((await panel.getByTestId('run-log').textContent()) ?? ''), 10_000, 'the log')
    await expect(panel.getByTestId('run-params').textContent()).resolves.toMatch(/token\s*••••/)
    // Nowhere in the page: not in a view, a title, an attribute or a store dumped into the DOM.
    expect(await page.content()).not.toContain(TOKEN)

    await panel.getByTestId('run-actions-copy').click()
    await dialog.waitFor()
    await expect(dialog.getByTestId('param-target').locator('input').inputValue()).resolves.toBe('prod')
    await expect(dialog.getByTestId('param-token').locator('input').inputValue()).resolves.toBe('')
    await expect(dialog.getByTestId('submit-job').isDisabled()).resolves.toBe(true)
    expect(await page.content()).not.toContain(TOKEN)
  })
})
