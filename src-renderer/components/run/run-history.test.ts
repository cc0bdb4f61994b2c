import { describe, expect, it } from 'vitest'
import type { Job, Run } from '../../../src-shared/domain'
import { highlightParts, matchesQuery } from './log-view'
import { stateChanges } from './run-history'

const t = (s: number): string => new Date(Date.UTC(2026, 0, 1, 10, 0, s)).toISOString()
const job = (over: Partial<Job> = {}): Job => ({ id: 'J', priority: 'normal', lane: 'default', createdAt: t(0), status: 'failed', attempts: 2, runAfter: null, cancelRequested: false, ...over }) as Job
const run = (attempt: number, over: Partial<Run>): Run =>
  ({ id: `R${attempt}`, attempt, status: 'failed', queuedAt: t(0), startedAt: t(1), finishedAt: t(2), exitCode: 1, signal: null, error: null, pid: 10, ...over }) as Run

describe('stateChanges', () => {
  it('tells enqueue, each start and finish, and the retry wait between attempts', () => {
    const changes = stateChanges(job(), [run(2, { queuedAt: t(32), startedAt: t(33), finishedAt: t(40), error: 'HTTP 503' }), run(1, { error: 'HTTP 503' })], Date.parse(t(50)))
    expect(changes.map((c) => c.label)).toEqual(['Enqueued', 'Started attempt 1', 'Failed', 'Eligible again', 'Started attempt 2', 'Failed'])
    expect(changes[2]?.detail).toBe('after 1.0s, exit code 1 — HTTP 503')
    expect(changes[3]?.detail).toBe('after 30s of retry wait')
  })

  it('shows an interrupted run going back to the queue, and a pending retry as future', () => {
    const changes = stateChanges(
      job({ status: 'retrying', runAfter: t(100), attempts: 2 }),
      [run(1, { status: 'interrupted', exitCode: null, signal: 'SIGKILL' }), run(2, { queuedAt: t(3), startedAt: t(4), finishedAt: t(5) })],
      Date.parse(t(50)),
    )
    expect(changes.map((c) => c.label)).toEqual(['Enqueued', 'Started attempt 1', 'Interrupted', 'Back in the queue', 'Started attempt 2', 'Failed', 'Retry waits until'])
    expect(changes.at(-1)?.future).toBe(true)
  })
})

describe('log view helpers', () => {
  it('matches and highlights case-insensitively', () => {
    expect(matchesQuery('Fetching PAGE 3', 'page')).toBe(true)
    expect(highlightParts('Page 1 of page 2', 'page')).toEqual([
      { text: 'Page', match: true },
      { text: ' 1 of ', match: false },
      { text: 'page', match: true },
      { text: ' 2', match: false },
    ])
    expect(highlightParts('abc', '')).toEqual([{ text: 'abc', match: false }])
  })
})
