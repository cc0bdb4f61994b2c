import { describe, expect, it } from 'vitest'
import { decideOutcome, errorDetail, formatShortDuration, type OutcomeInput, type SpawnFailure } from './outcome'

const base: OutcomeInput = {
  exitCode: 0,
  signal: null,
  timedOut: false,
  canceled: false,
  itemsOk: null,
  itemsFailed: null,
  spawnError: null,
  lastStderrLine: null,
  timeoutMs: null,
}

const spawnFailure = (over: Partial<SpawnFailure>): SpawnFailure => ({
  code: 'ENOENT',
  message: 'spawn x ENOENT',
  argv0: 'fetch-dealers',
  cwd: '/srv/jobs',
  cwdMissing: false,
  ...over,
})

describe('decideOutcome', () => {
  it('succeeds on exit 0', () => {
    expect(decideOutcome(base)).toEqual({ outcome: 'succeeded', error: null })
    expect(decideOutcome({ ...base, itemsOk: 15, itemsFailed: 0 })).toEqual({ outcome: 'succeeded', error: null })
  })

  it('is partial when some items failed', () => {
    expect(decideOutcome({ ...base, itemsOk: 12, itemsFailed: 3 })).toEqual({
      outcome: 'partial',
      error: '3 of 15 items failed',
    })
  })

  it('fails when every item failed', () => {
    expect(decideOutcome({ ...base, itemsOk: 0, itemsFailed: 5 })).toEqual({ outcome: 'failed', error: 'all 5 items failed' })
    expect(decideOutcome({ ...base, itemsOk: null, itemsFailed: 1 })).toEqual({ outcome: 'failed', error: 'the only item failed' })
  })

  it('fails on a non-zero exit with the last stderr line', () => {
    expect(decideOutcome({ ...base, exitCode: 2, lastStderrLine: '  Error: dealer 7 not found  ' })).toEqual({
      outcome: 'failed',
      error: 'exit code 2: Error: dealer 7 not found',
    })
    expect(decideOutcome({ ...base, exitCode: 2 })).toEqual({ outcome: 'failed', error: 'exit code 2' })
    expect(decideOutcome({ ...base, exitCode: 1, lastStderrLine: '   ' })).toEqual({ outcome: 'failed', error: 'exit code 1' })
    // A failing exit wins over item counts.
    expect(decideOutcome({ ...base, exitCode: 1, itemsOk: 3, itemsFailed: 1 }).outcome).toBe('failed')
  })

  it('caps the stderr detail at 300 characters and strips colour codes', () => {
    const { error } = decideOutcome({ ...base, exitCode: 1, lastStderrLine: `\x1b[31mboom\x1b[0m ${'y'.repeat(1000)}` })
    expect(error?.startsWith('exit code 1: boom yyy')).toBe(true)
    expect(error?.length).toBe('exit code 1: '.length + 300)
    expect(error?.endsWith('…')).toBe(true)
  })

  it('reports a signal it did not send', () => {
    expect(decideOutcome({ ...base, exitCode: null, signal: 'SIGKILL' })).toEqual({ outcome: 'failed', error: 'killed by SIGKILL' })
  })

  it('reports a timeout with the configured duration', () => {
    expect(decideOutcome({ ...base, exitCode: null, signal: 'SIGTERM', timedOut: true, timeoutMs: 1_800_000 })).toEqual({
      outcome: 'failed',
      error: 'timed out after 30m; stopped the process tree',
    })
  })

  it('reports cancel as canceled, before anything else', () => {
    expect(decideOutcome({ ...base, exitCode: null, signal: 'SIGTERM', canceled: true })).toEqual({ outcome: 'canceled', error: null })
  })

  it('explains spawn failures', () => {
    const failed = (spawnError: SpawnFailure): string | null =>
      decideOutcome({ ...base, exitCode: null, spawnError }).error
    expect(failed(spawnFailure({}))).toBe('command not found: fetch-dealers')
    expect(failed(spawnFailure({ cwdMissing: true }))).toBe('working directory not found: /srv/jobs')
    expect(failed(spawnFailure({ code: 'EACCES' }))).toBe('permission denied (not executable?): fetch-dealers')
    expect(failed(spawnFailure({ code: 'ENOTDIR' }))).toBe('working directory is not a directory: /srv/jobs')
    expect(failed(spawnFailure({ code: 'E2BIG', message: 'spawn E2BIG' }))).toBe('could not start fetch-dealers: spawn E2BIG')
  })
})

describe('formatShortDuration', () => {
  it.each([
    [250, '250ms'],
    [1500, '1.5s'],
    [2000, '2s'],
    [45_000, '45s'],
    [1_800_000, '30m'],
    [5_400_000, '1h 30m'],
    [3_605_000, '1h 5s'],
    [90_000_000, '1d 1h'],
  ])('%d ms → %s', (ms, text) => {
    expect(formatShortDuration(ms)).toBe(text)
  })
})

describe('errorDetail', () => {
  it('collapses whitespace and control characters', () => {
    expect(errorDetail('\tfailed:\x07  disk   full\r')).toBe('failed: disk full')
  })
})
