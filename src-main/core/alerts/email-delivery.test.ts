// Alerts by email through a real SMTP server on 127.0.0.1 (smtp-server), logging in with a
// password from the environment: the message arrives with each alert's title, type, status, error
// lines, run and times in its body; a wrong password is a failed attempt that says so, without it.
import type { AddressInfo } from 'node:net'
import { SMTPServer } from 'smtp-server'
import { afterEach, describe, expect, it } from 'vitest'
import { failedAlert, insertOutboxAlerts } from '../test-support/alert-outbox'
import { ScriptedSampler } from '../test-support/host-samples'
import { makeTestEnv, waitFor, type TestEnv } from '../test-support/test-env'

interface Mail {
  from: string
  to: string[]
  user: string | undefined
  text: string
}

const PASSWORD_ENV = 'JOBDECK_TEST_SMTP_PASSWORD'
let env: TestEnv | null = null
let server: SMTPServer | null = null
afterEach(async () => {
  env?.cleanup()
  delete process.env[PASSWORD_ENV]
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()))
  env = null
  server = null
})

async function startSmtp(password: string): Promise<{ port: number; mails: Mail[] }> {
  const mails: Mail[] = []
  server = new SMTPServer({
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    authMethods: ['PLAIN', 'LOGIN'],
    onAuth(auth, _session, callback) {
      if (auth.username === 'jobdeck' && auth.password === password) callback(null, { user: auth.username })
      else callback(new Error('Invalid username or password'))
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = []
      stream.on('data', (chunk: Buffer) => chunks.push(chunk))
      stream.on('end', () => {
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          user: typeof session.user === 'string' ? session.user : undefined,
          text: Buffer.concat(chunks).toString('utf8'),
        })
        callback()
      })
    },
  })
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve))
  return { port: (server.server.address() as AddressInfo).port, mails }
}

const config = (port: number): string => `jobs:
  nap: { command: [node, -e, ""] }
alerts:
  digestQuiet: 300ms
  channels:
    oncall:
      email:
        to: [ops@example.com, lead@example.com]
        from: jobdeck@example.com
        smtp: { host: 127.0.0.1, port: ${port}, user: jobdeck, passwordEnv: ${PASSWORD_ENV}, timeout: 5s }
`

/** The message's body as sent (after its headers), quoted-printable soft breaks joined. */
function bodyOf(raw: string): string {
  const quoted = raw.slice(raw.indexOf('\r\n\r\n') + 4).replace(/=\r?\n/g, '')
  const bytes = quoted.replace(/=([0-9A-F]{2})/g, (_all, hex: string) => String.fromCharCode(parseInt(hex, 16)))
  return Buffer.from(bytes, 'latin1').toString('utf8').replace(/\r\n/g, '\n')
}

describe('email delivery', () => {
  it('sends a digest by SMTP with the password from the environment; the body lists each alert', async () => {
    const { port, mails } = await startSmtp('s3cret-pass')
    process.env[PASSWORD_ENV] = 's3cret-pass'
    env = makeTestEnv(config(port))
    const core = env.open({ hostSampler: new ScriptedSampler() })
    core.startRunner()
    insertOutboxAlerts(core.dataDir, 'oncall', [failedAlert('J1', 'sync-inventory'), failedAlert('J2', 'report', 'exit code 3: ENOSPC\nline two\nline three\nline four')])
    core.alerts.wake()
    await waitFor(() => mails.length > 0, 15_000, 'the mail')
    const [mail] = mails
    expect(mail).toMatchObject({ from: 'jobdeck@example.com', to: ['ops@example.com', 'lead@example.com'], user: 'jobdeck' })
    // `[jobdeck] 2 alerts: failed ×2`, encoded for its ×.
    expect(mail!.text).toContain('Subject: =?UTF-8?Q?=5Bjobdeck=5D_2_alerts=3A_failed_=C3=972?=')
    const body = bodyOf(mail!.text)
    expect(body.startsWith('2 alerts: failed ×2\n\n1. sync-inventory failed\n')).toBe(true)
    for (const expected of [
      '1. sync-inventory failed',
      '   type:     sync-inventory',
      '   status:   failed',
      '   run:      J1/run',
      '   started:  2026-03-01T10:00:00.000Z',
      '   finished: 2026-03-01T10:00:05.000Z',
      '     exit code 2: boom: the API said 503',
      '2. report failed',
      '     exit code 3: ENOSPC\n     line two\n     line three\n',
    ]) {
      expect(body).toContain(expected)
    }
    // Only the first lines of an error.
    expect(body).not.toContain('line four')
    await waitFor(() => core.alerts.deliveries.newest(1)[0]?.status === 'sent', 5_000, 'the delivery marked sent')
  }, 30_000)

  it('a refused login is a failed attempt saying so, without the password; an unset password variable is a problem of the channel', async () => {
    const { port, mails } = await startSmtp('right-password')
    process.env[PASSWORD_ENV] = 'wrong-password'
    env = makeTestEnv(config(port))
    const core = env.open()
    const refused = await core.api['alerts.test']({ channel: 'oncall' })
    expect(refused).toMatchObject({ status: 'failed', attempts: 1, lastError: expect.stringMatching(/^SMTP 127\.0\.0\.1:\d+: Invalid login/) })
    expect(refused.lastError).not.toContain('wrong-password')
    expect(mails).toEqual([])

    delete process.env[PASSWORD_ENV]
    const overview = await core.api['alerts.list']({ limit: 5 })
    expect(overview.channels).toEqual([
      {
        name: 'oncall',
        kind: 'email',
        target: `ops@example.com, lead@example.com via 127.0.0.1:${port}`,
        format: null,
        problem: `the environment variable ${PASSWORD_ENV} (alerts.channels.oncall.email.smtp.passwordEnv) is not set`,
      },
    ])
    process.env[PASSWORD_ENV] = 'right-password'
    expect(await core.api['alerts.test']({ channel: 'oncall' })).toMatchObject({ status: 'sent' })
    expect(bodyOf(mails[0]!.text)).toContain('A test message from Jobdeck (alerts.test).')
  }, 30_000)
})
