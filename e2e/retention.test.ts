// Settings → Retention in the real renderer on the real `jobdeck serve`: the data dir's size by
// part, what the policy deletes next, and "Run now" deleting exactly that and saying so.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'
import { DAY, finishedJob, seedJobs } from '../src-main/core/test-support/retention-history'
import { history, ROOT, servedApp, skipWithoutBrowser, until } from './harness'

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jobdeck-e2e-retention-'))
fs.cpSync(path.join(ROOT, 'e2e', 'fixtures'), dir, { recursive: true })
const CONFIG = path.join(dir, 'jobdeck.yaml')
fs.appendFileSync(CONFIG, '\nretention:\n  succeeded: 7d\n  keepLast: 1\n')

describe.skipIf(skipWithoutBrowser)('Settings → Retention', { timeout: 120_000 }, () => {
  const app = servedApp(CONFIG)
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

  it('shows the data dir by part and what the next pass deletes; Run now deletes it and says when and what', async () => {
    const { served, page } = app
    // Written straight into the served data dir (the machine's CPU load may hold real jobs back):
    // two successes a month old and one from yesterday; keepLast 1 keeps the newest, young anyway.
    const now = Date.now()
    const db = new Database(path.join(served.dataDir, 'jobdeck.sqlite'))
    seedJobs(db, [finishedJob('e2e-old-1', 'greet', 'succeeded', 31 * DAY, now), finishedJob('e2e-old-2', 'greet', 'succeeded', 30 * DAY, now), finishedJob('e2e-new', 'greet', 'succeeded', DAY, now)])
    db.close()

    await page.getByRole('link', { name: 'Settings', exact: true }).click()
    const card = page.getByTestId('retention-card')
    await card.waitFor({ timeout: 10_000 })
    await until(async () => /2 jobs \(2 runs\)/.test((await page.getByTestId('retention-next').textContent()) ?? ''), 10_000, 'the preview')
    const size = (await page.getByTestId('retention-size').textContent()) ?? ''
    expect(size).toMatch(/runs\s*[\d.]+ (B|KiB|MiB)/)
    expect(size).toMatch(/output\s*[\d.]+ (B|KiB|MiB)/)
    expect(await page.getByTestId('retention-last').textContent()).toContain('never')

    await page.getByTestId('retention-run').click()
    await until(async () => /deleted 2 jobs, 2 runs/.test((await page.getByTestId('retention-last').textContent()) ?? ''), 15_000, 'the last pass')
    expect(await page.getByTestId('retention-last').textContent()).toContain('from this data dir')
    expect(await page.getByTestId('retention-next').textContent()).toContain('0 jobs (0 runs)')
    expect(history(served).map((r) => r.jobId)).toEqual(['e2e-new'])
  })
})
