// Alerts delivered to a real webhook receiver on 127.0.0.1 by a real core (SQLite data dir, the
// runner's process): a burst becomes one digest, an outage loses nothing and repeats nothing, the
// URL's secret never reaches the database, the API or the log, and each format has its shape. The
// alerts are written into the outbox as the rules write them (the rules are another branch).
import fs from 'node:fs'
import { afterEach, describe, expect, it } from 'vitest'
import type { AlertDelivery } from '../../../src-shared/alerts'
import type { Core } from '../core'
import { retryDelay } from '../store/sqlite/alert-deliveries'
import { failedAlert, insertOutboxAlerts } from '../test-support/alert-outbox'
import { ScriptedSampler } from '../test-support/host-samples'
import { makeTestEnv, waitFor, type TestEnv } from '../test-support/test-env'
import { startWebhookReceiver, type WebhookReceiver } from '../test-support/webhook-receiver'

let env: TestEnv | null = null
let receiver: WebhookReceiver | null = null
const HOOK_ENV = 'JOBDECK_TEST_ALERT_HOOK'
afterEach(async () => {
  env?.cleanup()
  await receiver?.close()
  delete process.env[HOOK_ENV]
  env = null
  receiver = null
})

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

async function runnerWithHook(channels: string, logs: string[] = []): Promise<{ core: Core; hook: WebhookReceiver }> {
  const hook = await startWebhookReceiver()
  receiver = hook
  process.env[HOOK_ENV] = hook.url
  env = makeTestEnv(`jobs:\n  nap: { command: [node, -e, ""] }\nalerts:\n  channels:\n${channels}`)
  const core = env.open({ hostSampler: new ScriptedSampler(), log: (line) => logs.push(line) })
  core.startRunner()
  return { core, hook }
}

describe('webhook delivery', () => {
  it('a burst of 5 failures reaches the receiver as exactly one digest, in order', async () => {
    const { core, hook } = await runnerWithHook(`    ops: { webhook: { urlEnv: ${HOOK_ENV}, format: json } }\n`)
    const alerts = ['J1', 'J2', 'J3', 'J4', 'J5'].map((id) => failedAlert(id))
    for (const alert of alerts) {
      insertOutboxAlerts(core.dataDir, 'ops', [alert])
      core.alerts.wake()
      await sleep(300)
    }
    await waitFor(() => hook.posts.length > 0, 15_000, 'the digest')
    // Well past the quiet window: nothing more comes.
    await sleep(3_000)
    expect(hook.posts).toHaveLength(1)
    expect(hook.posts[0]?.body).toEqual({ digest: true, title: '5 alerts: failed ×5', count: 5, alerts })
    const [delivery] = (await core.api['alerts.list']({ limit: 10 })).deliveries
    expect(delivery).toMatchObject({ channel: 'ops', kind: 'webhook', status: 'sent', attempts: 1, alerts: 5, rules: [0], lastError: null })
  }, 30_000)

  it('the receiver down for 10 s (refused, then 503), then up: every alert arrives once, in order, with its attempts backed off', async () => {
    const logs: string[] = []
    const { core, hook } = await runnerWithHook(`    ops: { webhook: { urlEnv: ${HOOK_ENV}, format: json, timeout: 2s } }\n`, logs)
    const events: Array<{ at: number; delivery: AlertDelivery }> = []
    core.events.on('alert.delivered', ({ delivery }) => events.push({ at: Date.now(), delivery }))
    const start = Date.now()
    await hook.down()
    insertOutboxAlerts(core.dataDir, 'ops', [failedAlert('A1'), failedAlert('A2')])
    core.alerts.wake()
    await sleep(3_000)
    insertOutboxAlerts(core.dataDir, 'ops', [failedAlert('B1')])
    core.alerts.wake()
    await sleep(2_500)
    await hook.up()
    hook.answer = 503
    await sleep(start + 10_000 - Date.now())
    hook.answer = 200
    await waitFor(() => hook.accepted().length === 2, 30_000, 'both deliveries')
    await sleep(1_500)

    // Once each, in the order they were decided.
    expect(hook.accepted()).toEqual([
      { digest: true, title: '2 alerts: failed ×2', count: 2, alerts: [failedAlert('A1'), failedAlert('A2')] },
      failedAlert('B1'),
    ])
    const refusedBy503 = hook.posts.filter((p) => p.status === 503)
    expect(refusedBy503.length).toBeGreaterThan(0)
    const [second, first] = (await core.api['alerts.list']({ limit: 10 })).deliveries
    expect(first).toMatchObject({ status: 'sent', alerts: 2 })
    expect(first!.attempts).toBeGreaterThanOrEqual(4)
    // The second waited behind the first, so it went at its first attempt.
    expect(second).toMatchObject({ status: 'sent', alerts: 1, attempts: 1 })
    // Each failed attempt set its next try by the backoff: 1 s, 2 s, 4 s, 8 s … at most 30 s.
    const retries = events.filter((e) => e.delivery.status === 'pending')
    expect(retries.map((e) => e.delivery.attempts)).toEqual(retries.map((_e, i) => i + 1))
    for (const { at, delivery } of retries) {
      const wait = Date.parse(delivery.nextAttemptAt as string) - at
      expect(wait).toBeLessThanOrEqual(retryDelay(delivery.attempts))
      expect(wait).toBeGreaterThan(retryDelay(delivery.attempts) - 500)
    }
    expect(retries[0]?.delivery.lastError).toMatch(/^cannot reach http:\/\/127\.0\.0\.1:\d+\/…: .*ECONNREFUSED/)
    expect(retries.at(-1)?.delivery.lastError).toMatch(/^HTTP 503 from http:\/\/127\.0\.0\.1:\d+\/…: no: busy \(\/…\)$/)
    expect(logs.some((line) => line.includes('failed, retrying with backoff'))).toBe(true)
    expect(logs.some((line) => line.includes(`sent after ${first!.attempts} attempts`))).toBe(true)

    // The URL's secret is nowhere: not in the data file, the API's answers, or the log.
    const overview = await core.api['alerts.list']({ limit: 10 })
    expect(overview.channels).toEqual([{ name: 'ops', kind: 'webhook', target: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/…$/), format: 'json', problem: null }])
    const secretPieces = [hook.url, hook.secret, 'XyzSecretToken123']
    const files = fs.readdirSync(core.dataDir).filter((name) => name.startsWith('jobdeck.sqlite'))
    for (const name of files) {
      const bytes = fs.readFileSync(`${core.dataDir}/${name}`, 'latin1')
      for (const piece of secretPieces) expect(bytes.includes(piece), `${piece} in ${name}`).toBe(false)
    }
    for (const piece of secretPieces) {
      expect(JSON.stringify(overview)).not.toContain(piece)
      expect(JSON.stringify(events)).not.toContain(piece)
      expect(logs.join('\n')).not.toContain(piece)
    }
  }, 60_000)
})

describe('alerts.test and the formats', () => {
  it('posts a test message in the json, slack and teams shapes; an unknown channel is refused naming the configured ones', async () => {
    const hook = await startWebhookReceiver()
    receiver = hook
    env = makeTestEnv(
      `jobs:\n  nap: { command: [node, -e, ""] }\nalerts:\n  channels:\n` +
        ['json', 'slack', 'teams'].map((format) => `    to-${format}: { webhook: { url: "${hook.url}/${format}", format: ${format} } }\n`).join(''),
    )
    // No runner here: a test message is sent by the process that asks (the CLI's).
    const core = env.open()
    for (const format of ['json', 'slack', 'teams']) {
      expect(await core.api['alerts.test']({ channel: `to-${format}` })).toMatchObject({ status: 'sent', attempts: 1, test: true, channel: `to-${format}`, rules: [] })
    }
    const [json, slack, teams] = hook.posts.map((p) => p.body)
    expect(json).toEqual({
      id: expect.stringMatching(/^test:/),
      rule: 'test',
      type: null,
      title: expect.stringMatching(/^Test message from Jobdeck on .+ to to-json$/),
      jobId: null,
      runId: null,
      status: null,
      error: null,
      startedAt: expect.any(String),
      finishedAt: null,
      count: 1,
    })
    expect(slack).toEqual({
      text: expect.stringMatching(/^Test message from Jobdeck/),
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: expect.stringMatching(/to to-slack$/) } },
        { type: 'section', text: { type: 'mrkdwn', text: expect.stringMatching(/^\*Test message .*\*\nrule test · started /) } },
      ],
    })
    expect(teams).toMatchObject({
      type: 'message',
      attachments: [
        {
          contentType: 'application/vnd.microsoft.card.adaptive',
          content: { type: 'AdaptiveCard', version: '1.4', body: [{ type: 'TextBlock', text: expect.stringMatching(/to to-teams$/) }, expect.anything(), { type: 'FactSet' }] },
        },
      ],
    })
    await expect(core.api['alerts.test']({ channel: 'nope' })).rejects.toThrow('alerts.test: channel: no alert channel named "nope" (expected one of to-json, to-slack, to-teams)')

    hook.answer = 503
    const refused = await core.api['alerts.test']({ channel: 'to-json' })
    // A test is tried once, for the one who asked: its failure is final and says why.
    expect(refused).toMatchObject({ status: 'failed', attempts: 1, nextAttemptAt: null, lastError: expect.stringMatching(/^HTTP 503 from http:\/\/127\.0\.0\.1:\d+\/…: no: busy/) })
    expect(refused.lastError).not.toContain(hook.secret)
  }, 30_000)

  it('a desktop channel makes one alert.desktop notice per delivery', async () => {
    env = makeTestEnv(`jobs:\n  nap: { command: [node, -e, ""] }\nalerts:\n  channels:\n    here: { desktop: true }\n  digestQuiet: 200ms\n`)
    const core = env.open({ hostSampler: new ScriptedSampler() })
    const notices: unknown[] = []
    core.events.on('alert.desktop', (notice) => notices.push(notice))
    core.startRunner()
    insertOutboxAlerts(core.dataDir, 'here', [failedAlert('D1', 'report', 'exit code 3: ENOSPC\nmore')])
    core.alerts.wake()
    await waitFor(() => notices.length > 0, 10_000, 'the notice')
    expect(notices).toEqual([{ title: 'report failed', body: 'exit code 3: ENOSPC', target: '/history?run=D1%2Frun', urgency: 'normal', tag: expect.stringMatching(/^alert:\d+$/) }])
  }, 20_000)
})
