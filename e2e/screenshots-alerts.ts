// `node --import tsx e2e/screenshots-alerts.ts`: Settings → Alerts for the docs
// (docs/screenshots/settings-alerts-{light,dark}.png), on the example config plus an `alerts:`
// section in a copy of it, so the other screenshots stay as they are. Real channels here: a
// Slack-format webhook (its URL from the environment) to a receiver that takes everything, a Teams
// one whose receiver answers 503, and e-mail through a local SMTP server; a failing job makes
// deliveries sent and retrying, and a test to the Teams channel one that failed.
import fs from 'node:fs'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import type { Page } from 'playwright-core'
import { SMTPServer } from 'smtp-server'
import { startWebhookReceiver } from '../src-main/core/test-support/webhook-receiver'
import { ensureRendererBuilt, launchBrowser, openApp, ROOT, SCREENSHOTS, screenshotInBothThemes, serve, until, type Served } from './harness'

const SMTP_PASSWORD = 'screenshot-only-password'

function alertsSection(smtpPort: number): string {
  return `
alerts:
  channels:
    ops-hook: { webhook: { urlEnv: SLACK_WEBHOOK_URL, format: slack } }
    teams-ops: { webhook: { urlEnv: TEAMS_WEBHOOK_URL, format: teams } }
    oncall:
      email:
        to: [ops@example.com]
        from: jobdeck@example.com
        smtp: { host: 127.0.0.1, port: ${smtpPort}, user: jobdeck, passwordEnv: SMTP_PASSWORD }
  rules:
    - { on: failed, channels: [ops-hook, teams-ops] }
    - { on: failedStreak, count: 3, types: [sync-inventory], channels: [oncall] }
    - { on: recovered, types: [sync-inventory], channels: [ops-hook] }
    - { on: deadline, schedule: nightly-prospects-12284, notFinishedBy: "07:00", channels: [oncall] }
`
}

async function startSmtp(): Promise<{ server: SMTPServer; port: number }> {
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    authMethods: ['PLAIN', 'LOGIN'],
    onAuth(auth, _session, callback) {
      if (auth.username === 'jobdeck' && auth.password === SMTP_PASSWORD) callback(null, { user: auth.username })
      else callback(new Error('Invalid username or password'))
    },
    onData(stream, _session, callback) {
      stream.on('data', () => undefined)
      stream.on('end', () => callback())
    },
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { server, port: (server.server.address() as AddressInfo).port }
}

async function sendTest(page: Page, channel: string): Promise<void> {
  const row = page.locator(`[data-testid="alert-channels"] tr[data-channel="${channel}"]`)
  await row.getByTestId('alert-test').click()
  await row.getByTestId('alert-test-outcome').waitFor({ timeout: 30_000 })
}

function deliveries(served: Served): Array<{ channel: string; status: string; attempts: number; test: boolean }> {
  const listed = served.cli(['alerts', '--json'])
  if (listed.code !== 0) throw new Error(`jobdeck alerts --json: ${listed.stderr}`)
  return JSON.parse(listed.stdout) as Array<{ channel: string; status: string; attempts: number; test: boolean }>
}

async function main(): Promise<void> {
  ensureRendererBuilt()
  fs.mkdirSync(SCREENSHOTS, { recursive: true })
  const slack = await startWebhookReceiver()
  const teams = await startWebhookReceiver('IncomingWebhook/0f3c9a7e/secret')
  teams.answer = 503
  const smtp = await startSmtp()
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jobdeck-shots-alerts-'))
  fs.cpSync(path.join(ROOT, 'examples'), dir, { recursive: true })
  const config = path.join(dir, 'jobdeck.yaml')
  fs.appendFileSync(config, alertsSection(smtp.port))
  const served = await serve({
    config,
    env: { JOBDECK_EXAMPLE_SPEED: '0', SLACK_WEBHOOK_URL: slack.url, TEAMS_WEBHOOK_URL: teams.url, SMTP_PASSWORD },
  })
  try {
    const browser = await launchBrowser()
    try {
      const { page, context } = await openApp(browser, served.url, { colorScheme: 'light', viewport: { width: 1440, height: 900 } })
      await page.getByRole('link', { name: 'Settings', exact: true }).click()
      await page.locator('[data-testid="alert-channels"] tr[data-channel="oncall"]').waitFor({ timeout: 20_000 })
      // Tests first: the webhook and the e-mail sent, the Teams one refused (a test is tried once).
      for (const channel of ['ops-hook', 'oncall', 'teams-ops']) await sendTest(page, channel)

      // A sync that fails through all its retries: alerted to both webhooks; Teams keeps refusing.
      served.cli(['enqueue', 'sync-inventory', '--param', 'warehouse=south', '--param', 'failRate=1'])
      await until(() => deliveries(served).some((d) => d.channel === 'teams-ops' && !d.test && d.status === 'pending' && d.attempts > 0), 120_000, 'a retrying delivery to teams-ops')
      await until(() => deliveries(served).some((d) => d.channel === 'ops-hook' && !d.test && d.status === 'sent'), 30_000, 'the failure sent to ops-hook')
      // The next sync of that warehouse succeeds: recovered.
      served.cli(['enqueue', 'sync-inventory', '--param', 'warehouse=south', '--param', 'failRate=0'])
      await until(() => deliveries(served).filter((d) => d.channel === 'ops-hook' && !d.test && d.status === 'sent').length >= 2, 60_000, 'the recovery sent to ops-hook')
      const card = page.getByTestId('alerts-settings')
      await card.locator('[data-testid="alert-deliveries"] tr[data-status="failed"]').waitFor({ timeout: 20_000 })
      await card.scrollIntoViewIfNeeded()
      await screenshotInBothThemes(page, card, 'settings-alerts')
      await context.close()
    } finally {
      await browser.close()
    }
  } finally {
    await served.stop()
    await slack.close()
    await teams.close()
    await new Promise<void>((resolve) => smtp.server.close(() => resolve()))
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

await main()
