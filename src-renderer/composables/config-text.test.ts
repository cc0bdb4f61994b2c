import { describe, expect, it } from 'vitest'
import { retryPolicySchema } from '../../src-shared/config-schema'
import { configDuration, parseConfigError, retrySummary } from './config-text'

describe('config text', () => {
  it('splits file:line:col: message, also for paths with colons', () => {
    expect(parseConfigError('/etc/jobdeck/jobdeck.yaml:12:5: expected a number')).toEqual({
      file: '/etc/jobdeck/jobdeck.yaml',
      line: 12,
      col: 5,
      location: 'jobdeck.yaml:12:5',
      message: 'expected a number',
    })
    expect(parseConfigError('C:\\jobs\\jobdeck.yaml:3:1: bad: really').location).toBe('jobdeck.yaml:3:1')
    expect(parseConfigError('cannot read file')).toMatchObject({ location: null, message: 'cannot read file' })
  })

  it('summarises retry policies and durations as config writes them', () => {
    expect(retrySummary(retryPolicySchema.parse({}))).toBe('none')
    expect(retrySummary(retryPolicySchema.parse({ max: 3, base: '1m', maxDelay: '10m' }))).toBe('3× exponential 1m → 10m, jitter')
    expect(retrySummary(retryPolicySchema.parse({ max: 4, backoff: 'fixed', base: '5s', jitter: false }))).toBe('4× every 5s')
    expect(configDuration(5_400_000)).toBe('1h 30m')
    expect(configDuration(250)).toBe('250ms')
  })
})
