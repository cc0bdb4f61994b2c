// Alerts through the real command: `jobdeck run` killed with SIGKILL while its delivery is in
// flight (the alert in the outbox, the receiver not yet answering) delivers it once after the
// restart; `jobdeck alerts` lists deliveries and `jobdeck alerts test` says whether the channel took
// the message. The receiver is a real HTTP server in this process, so the commands run async.
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import type { AlertDelivery } from '../../src-shared/alerts'
import { failedAlert, insertOutboxAlerts } from '../core/test-support/alert-outbox'
import { makeTestEnv, waitFor, type TestEnv } from '../core/test-support/test-env'
import { startWebhookReceiver, type WebhookReceiver } from '../core/test-support/webhook-receiver'

const BIN = fileURLToPath(new URL('../../bin/jobdeck.mjs', import.meta.url))
const HOOK_ENV = 'JOBDECK_TEST_ALERT_HOOK'

let env: TestEnv | null = null
let receiver: WebhookReceiver | null = null
const children: ChildProcess[] = []
afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  env?.cleanup()
  await receiver?.close()
  env = null
  receiver = null
})

/** `rules`: YAML lines under `alerts.rules:`; the job type `broken` fails at once, without retries. */
async function setup(rules: string[] = []): Promise<{ env: TestEnv; hook: WebhookReceiver; childEnv: NodeJS.ProcessEnv }> {
  receiver = await startWebhookReceiver()
  const ruleLines = rules.length > 0 ? `  rules:\n${rules.map((r) => `    - ${r}\n`).join('')}` : ''
  env = makeTestEnv(
    `jobs:\n  nap: { command: [node, -e, ""] }\n  broken: { command: [node, -e, "process.exit(3)"] }\n` +
      `alerts:\n  digestQuiet: 300ms\n  channels:\n    ops: { webhook: { urlEnv: ${HOOK_ENV}, timeout: 30s } }\n${ruleLines}`,
  )
  return { env, hook: receiver, childEnv: { ...process.env, [HOOK_ENV]: receiver.url } }
}

const args = (e: TestEnv): string[] => ['--data-dir', e.dataDir, '--config', e.configPath]

function cli(e: TestEnv, childEnv: NodeJS.ProcessEnv, cliArgs: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [BIN, ...cliArgs, ...args(e)], { env: childEnv })
  children.push(child)
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  return new Promise((resolve) => child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr })))
}

const exited = (child: ChildProcess): Promise<unknown> => (child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', resolve)))

/** `jobdeck run` with the receiver not answering, SIGKILLed once its first post reached the receiver. */
async function killRunnerMidPost(e: TestEnv, childEnv: NodeJS.ProcessEnv, hook: WebhookReceiver): Promise<void> {
  hook.answer = 'hang'
  const first = spawn(process.execPath, [BIN, 'run', ...args(e)], { env: childEnv, stdio: 'ignore' })
  children.push(first)
  await waitFor(() => hook.posts.length === 1, 30_000, 'the first attempt to reach the receiver')
  first.kill('SIGKILL')
  await exited(first)
}

/** `jobdeck run` again with the receiver answering, stopped 1.5 s after its first delivery (time enough for a repeat to show). */
async function restartUntilDelivered(e: TestEnv, childEnv: NodeJS.ProcessEnv, hook: WebhookReceiver): Promise<void> {
  hook.answer = 200
  const second = spawn(process.execPath, [BIN, 'run', ...args(e)], { env: childEnv, stdio: 'ignore' })
  children.push(second)
  await waitFor(() => hook.accepted().length === 1, 30_000, 'the delivery after the restart')
  await new Promise((resolve) => setTimeout(resolve, 1_500))
  second.kill('SIGTERM')
  await exited(second)
}

describe('jobdeck alerts', () => {
  it('a burst of 5 failed jobs reaches the webhook as exactly one digest, decided by the rules from the history', async () => {
    const { env: e, hook, childEnv } = await setup(['{ on: failed, channels: [ops] }'])
    const ids: string[] = []
    for (let i = 0; i < 5; i++) ids.push((await cli(e, childEnv, ['enqueue', 'broken'])).stdout.trim())
    // As from cron: --until-idle exits once its jobs' alerts went out.
    const run = await cli(e, childEnv, ['run', '--until-idle'])
    expect(run.code, run.stderr).toBe(0)
    const accepted = hook.accepted() as Array<{ digest?: boolean; count: number; alerts: Array<{ rule: string; jobId: string; status: string }> }>
    expect(accepted).toHaveLength(1)
    expect(accepted[0]).toMatchObject({ digest: true, count: 5 })
    expect(accepted[0]?.alerts.map((a) => [a.rule, a.status]).every(([rule, status]) => rule === 'failed' && status === 'failed')).toBe(true)
    expect(accepted[0]?.alerts.map((a) => a.jobId).sort()).toEqual([...ids].sort())
  }, 120_000)

  it('kill -9 of the runner between a failure and its delivery: the failure is delivered once after the restart', async () => {
    const { env: e, hook, childEnv } = await setup(['{ on: failed, channels: [ops] }'])
    const jobId = (await cli(e, childEnv, ['enqueue', 'broken'])).stdout.trim()
    await killRunnerMidPost(e, childEnv, hook)
    await restartUntilDelivered(e, childEnv, hook)
    expect(hook.accepted()).toEqual([expect.objectContaining({ rule: 'failed', jobId, status: 'failed' })])
    const after = JSON.parse((await cli(e, childEnv, ['alerts', '--json'])).stdout) as AlertDelivery[]
    expect(after).toEqual([expect.objectContaining({ status: 'sent', attempts: 1, alerts: 1 })])
  }, 120_000)

  it('kill -9 of the runner while its delivery is in flight: delivered once after the restart', async () => {
    const { env: e, hook, childEnv } = await setup()
    // The first command makes the data dir; then the alerts wait in the outbox, as the rules leave them.
    expect((await cli(e, childEnv, ['alerts', '--json'])).stdout.trim()).toBe('[]')
    const alerts = [failedAlert('K1'), failedAlert('K2')]
    insertOutboxAlerts(e.dataDir, 'ops', alerts)
    await killRunnerMidPost(e, childEnv, hook)
    const killed = JSON.parse((await cli(e, childEnv, ['alerts', '--json'])).stdout) as AlertDelivery[]
    // Killed before the receiver answered: not sent, and the abandoned attempt is not counted.
    expect(killed).toEqual([expect.objectContaining({ status: 'pending', attempts: 0, alerts: 2 })])

    await restartUntilDelivered(e, childEnv, hook)

    const digest = { digest: true, title: '2 alerts: failed ×2', count: 2, alerts }
    expect(hook.accepted()).toEqual([digest])
    // The unanswered post and the accepted one carry the same alert ids: a receiver may drop a repeat.
    expect(hook.posts.map((p) => [p.body, p.status])).toEqual([
      [digest, null],
      [digest, 200],
    ])
    const after = JSON.parse((await cli(e, childEnv, ['alerts', '--json'])).stdout) as AlertDelivery[]
    expect(after).toEqual([expect.objectContaining({ status: 'sent', attempts: 1, alerts: 2, channel: 'ops' })])
  }, 120_000)

  it('`alerts test CHANNEL` exits 0 when the channel took it and 1 with the error when not; `alerts` lists them', async () => {
    const { env: e, hook, childEnv } = await setup()
    const sent = await cli(e, childEnv, ['alerts', 'test', 'ops'])
    expect(sent, sent.stderr).toMatchObject({ code: 0, stdout: 'sent a test message to ops\n' })
    expect(hook.accepted()).toEqual([expect.objectContaining({ rule: 'test' })])

    hook.answer = 503
    const refused = await cli(e, childEnv, ['alerts', 'test', 'ops'])
    expect(refused.code).toBe(1)
    expect(refused.stderr).toMatch(/^the test message to ops was not sent: HTTP 503 from http:\/\/127\.0\.0\.1:\d+\/…: no: busy \(\/…\)\n$/)

    const unknown = await cli(e, childEnv, ['alerts', 'test', 'nope'])
    expect(unknown.code).toBe(1)
    expect(unknown.stderr).toContain('no alert channel named "nope" (expected one of ops)')

    const list = await cli(e, childEnv, ['alerts'])
    expect(list.code, list.stderr).toBe(0)
    const lines = list.stdout.trimEnd().split('\n')
    expect(lines[0]).toMatch(/^time\s+channel\s+outcome\s+title\s+attempts\s+last error$/)
    expect(lines[1]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+ops\s+failed\s+Test message from Jobdeck on .+ to ops \(test\)\s+1\s+HTTP 503 from http:\/\/127\.0\.0\.1:\d+\/…/)
    expect(lines[2]).toMatch(/\s+ops\s+sent\s+Test message .+\(test\)\s+1$/)
    expect(list.stdout).not.toContain(hook.secret)
    const limited = JSON.parse((await cli(e, childEnv, ['alerts', '--json', '--limit', '1'])).stdout) as AlertDelivery[]
    expect(limited.map((d) => d.status)).toEqual(['failed'])
    const badLimit = await cli(e, childEnv, ['alerts', '--limit', '0'])
    expect(badLimit).toMatchObject({ code: 1, stderr: expect.stringContaining('--limit: expected a whole number from 1 to 1000, got "0"') })
  }, 120_000)
})
