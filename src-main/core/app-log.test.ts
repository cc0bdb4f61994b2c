import { describe, expect, it } from 'vitest'
import { MASK } from '../../src-shared/redact'
import { captureConsole, configSecretValues, envSecretValues, LogRedaction, stderrLogger } from './app-log'
import type { LoadedConfig } from './config/load-config'

const config = (alerts: unknown): Pick<LoadedConfig, 'raw'> => ({ raw: { alerts } as LoadedConfig['raw'] })

describe('LogRedaction', () => {
  it('masks the known secret values wherever they appear, then the patterns', () => {
    const redaction = new LogRedaction()
    redaction.setKnown('env', envSecretValues({ JOBDECK_PG_URL: 'postgres://jd:p%40ss-w0rd@db/q', PGPASSWORD: 'other-pw' }))
    expect(redaction.apply('auth failed with p@ss-w0rd and other-pw')).toBe(`auth failed with ${MASK} and ${MASK}`)
    expect(redaction.apply('Authorization: Bearer abc.def')).toBe(`Authorization: Bearer ${MASK}`)
    expect(redaction.apply('POST https://hooks.slack.com/services/T0/B0/xyz failed')).toBe(`POST https://hooks.slack.com/${MASK} failed`)
    // Replaced, not added to: a value the config no longer names is shown again.
    redaction.setKnown('env', [])
    expect(redaction.apply('other-pw')).toBe('other-pw')
  })

  it('knows the webhook URLs and SMTP passwords a config names, as the environment has them now', () => {
    const values = configSecretValues(
      config({
        channels: {
          hook: { webhook: { urlEnv: 'HOOK_URL', format: 'json', timeout: 1000 } },
          filed: { webhook: { url: 'https://teams.example/webhook/abc', format: 'teams', timeout: 1000 } },
          mail: { email: { to: ['a@b.c'], from: 'j@b.c', subjectPrefix: '', smtp: { host: 'smtp', port: 587, secure: false, passwordEnv: 'SMTP_PW', timeout: 1 } } },
          unset: { webhook: { urlEnv: 'NOT_SET', format: 'json', timeout: 1000 } },
        },
        rules: [],
      }),
      { HOOK_URL: 'https://hooks.slack.com/services/T/B/tok', SMTP_PW: 'smtp-secret' },
    )
    expect(values.sort()).toEqual(['https://hooks.slack.com/services/T/B/tok', 'https://teams.example/webhook/abc', 'smtp-secret'])
  })
})

describe('stderrLogger and captureConsole', () => {
  it('writes `jobdeck: …` as before levels, tags the others, drops debug unless asked, and redacts', () => {
    const written: string[] = []
    const redaction = new LogRedaction()
    redaction.setKnown('test', ['hunter22'])
    const logger = stderrLogger({ prefix: 'jobdeck', redaction, write: (text) => written.push(text) })
    logger.info('serving /data')
    logger.warn('password hunter22 refused')
    logger.error('boom')
    logger.debug('details')
    expect(written).toEqual(['jobdeck: serving /data\n', `jobdeck: warning: password ${MASK} refused\n`, 'jobdeck: error: boom\n'])
  })

  it('routes console.error and console.warn through the logger until put back', () => {
    const seen: string[] = []
    const logger = { error: (l: string) => seen.push(`E ${l}`), warn: (l: string) => seen.push(`W ${l}`), info: (l: string) => seen.push(`I ${l}`), debug: () => {} }
    const original = console.error
    const restore = captureConsole(logger, ['error', 'warn'])
    try {
      console.error('jobdeck: a listener of job.changed threw', new Error('nope'))
      console.warn('careful %d', 3)
    } finally {
      restore()
    }
    expect(console.error).toBe(original)
    expect(seen[0]).toMatch(/^E a listener of job\.changed threw Error: nope\n {4}at /)
    expect(seen[1]).toBe('W careful 3')
  })
})
