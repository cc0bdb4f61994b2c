import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { DatabaseState } from '../../src-shared/connection'
import { DEFAULT_DESKTOP_SETTINGS, type DesktopSettings } from '../../src-shared/desktop'
import type { Health } from '../../src-shared/monitor'
import { BODY_MAX_BYTES, NotificationPolicy, firstLine, truncateUtf8, type NotificationRequest } from './notification-policy'
import { job, LOCAL } from './test-support/domain-objects'

const bytes = (s: string): number => new TextEncoder().encode(s).length

let settings: DesktopSettings['notifications']
let sent: NotificationRequest[]
let policy: NotificationPolicy

beforeEach(() => {
  vi.useFakeTimers({ now: Date.parse('2026-03-01T11:00:00.000Z') })
  settings = structuredClone(DEFAULT_DESKTOP_SETTINGS.notifications)
  sent = []
  policy = new NotificationPolicy({
    settings: () => settings,
    notify: (r) => sent.push(r),
    titleOf: (type) => ({ report: 'Daily report', sync: 'Dealer sync' })[type],
  })
})
afterEach(() => {
  policy.dispose()
  vi.useRealTimers()
})

const failed = (id: string, type = 'report', error: string | null = 'exit code 3: ENOSPC while writing /var/out/report.csv\n  at write (fs.js:1)') =>
  ({ job: job(id, 'failed', { type, error, attempts: 3, lastRunId: `R-${id}` }) })

describe('failure notifications', () => {
  it('a job failing after its retries gives exactly one notification with title, first error line and the run as target', () => {
    policy.handle('job.changed', { job: job('J1', 'running') })
    policy.handle('job.changed', { job: job('J1', 'retrying', { error: 'first attempt failed' }) })
    policy.handle('job.changed', { job: job('J1', 'running', { attempts: 2 }) })
    policy.handle('job.changed', { job: job('J1', 'retrying', { attempts: 2 }) })
    policy.handle('job.changed', failed('J1'))
    // The same failed state announced again (e.g. after an engine restart) is not news.
    policy.handle('job.changed', failed('J1'))
    expect(sent).toEqual([])
    vi.advanceTimersByTime(2_000)
    expect(sent).toEqual([
      {
        kind: 'failure',
        title: 'Daily report failed after 3 attempts',
        body: 'exit code 3: ENOSPC while writing /var/out/report.csv',
        target: '/history?run=R-J1',
        urgency: 'normal',
        tag: 'failure:J1',
      },
    ])
    vi.advanceTimersByTime(60_000)
    expect(sent).toHaveLength(1)
  })

  it('five failures in a burst give one grouped notification', () => {
    for (const [i, type] of ['report', 'sync', 'report', 'report', 'sync'].entries()) {
      policy.handle('job.changed', failed(`J${i}`, type))
      vi.advanceTimersByTime(500)
    }
    vi.advanceTimersByTime(2_000)
    expect(sent).toEqual([
      { kind: 'failure', title: '5 jobs failed', body: 'Daily report ×3, Dealer sync ×2', target: '/queue', urgency: 'normal', tag: 'failures' },
    ])
  })

  it('a steady stream is still told within the maximum wait', () => {
    for (let i = 0; i < 30; i++) {
      policy.handle('job.changed', failed(`J${i}`))
      vi.advanceTimersByTime(1_000)
    }
    // At most one notification per 10 s, each with the failures since the last.
    expect(sent.map((r) => r.title)).toEqual(['10 jobs failed', '10 jobs failed', '10 jobs failed'])
  })

  it('respects the global, the per-kind and the per-type switches', () => {
    settings.mutedTypes = ['sync']
    policy.handle('job.changed', failed('J1', 'sync'))
    settings.failure = false
    policy.handle('job.changed', failed('J2'))
    settings.failure = true
    settings.enabled = false
    policy.handle('job.changed', failed('J3'))
    policy.handle('run.overrun', { runId: 'R', jobId: 'J', type: 'report', elapsedMs: 1, usualMs: 1, factor: 3 })
    vi.advanceTimersByTime(20_000)
    expect(sent).toEqual([])
    settings.enabled = true
    policy.handle('job.changed', failed('J4'))
    vi.advanceTimersByTime(2_000)
    expect(sent.map((r) => r.title)).toEqual(['Daily report failed after 3 attempts'])
  })

  it('says so when a failure has no message', () => {
    policy.handle('job.changed', { job: job('J1', 'failed', { type: 'other', error: '\n  \n', lastRunId: null }) })
    vi.advanceTimersByTime(2_000)
    expect(sent[0]).toMatchObject({ title: 'other failed', body: /without an error message/, target: '/queue' })
  })
})

describe('truncation', () => {
  it('keeps bodies within 256 bytes on a character boundary', () => {
    const long = `${'é'.repeat(200)}👍🏽${'x'.repeat(100)}`
    const cut = truncateUtf8(long)
    expect(bytes(cut)).toBeLessThanOrEqual(BODY_MAX_BYTES)
    expect(cut.endsWith('…')).toBe(true)
    expect(cut).not.toContain('\uFFFD')
    // A grapheme (thumbs up + skin tone) is never split.
    const emoji = truncateUtf8('ab👍🏽cd', 9)
    expect(['ab…', 'ab👍🏽…']).toContain(emoji)
    expect(emoji).toBe('ab…')
    expect(truncateUtf8('short')).toBe('short')
    expect(firstLine('\n\n  boom\tnow \nmore')).toBe('boom now')
  })

  it('truncates a long error line in the notification', () => {
    policy.handle('job.changed', failed('J1', 'report', `Error: ${'ü'.repeat(400)}`))
    vi.advanceTimersByTime(2_000)
    expect(bytes(sent[0]!.body)).toBeLessThanOrEqual(BODY_MAX_BYTES)
    expect(sent[0]!.body).toMatch(/^Error: ü+…$/)
  })
})

describe('health, connection and overrun notifications', () => {
  const health = (level: Health['level'], reasons: string[] = []): { health: Health } => ({ health: { level, reasons, since: '2026-03-01T11:00:00.000Z' } })

  it('tells critical once and the recovery once', () => {
    policy.handle('health.changed', health('warning', ['memory 91% used (warning at 90%)']))
    policy.handle('health.changed', health('critical', ['memory 96% used (critical at 95%)']))
    policy.handle('health.changed', health('critical', ['memory 97% used (critical at 95%)']))
    policy.handle('health.changed', health('warning', ['memory 92% used (warning at 90%)']))
    policy.handle('health.changed', health('healthy'))
    expect(sent).toEqual([
      { kind: 'health', title: 'Resources critical', body: 'memory 96% used (critical at 95%). New jobs wait until it recovers.', target: '/resources', urgency: 'critical', tag: 'health' },
      {
        kind: 'health',
        title: 'Resources recovered',
        body: 'Back to warning: memory 92% used (warning at 90%). Waiting jobs may start again.',
        target: '/resources',
        urgency: 'normal',
        tag: 'health',
      },
    ])
  })

  it('does not announce a recovery from a critical state it kept quiet about', () => {
    settings.health = false
    policy.handle('health.changed', health('critical', ['disk full']))
    settings.health = true
    policy.handle('health.changed', health('healthy'))
    expect(sent).toEqual([])
  })

  it('tells a lost and a restored database connection in shared mode, not twice while flapping', () => {
    const shared = (status: DatabaseState['status'], extra: Partial<DatabaseState> = {}): { connection: DatabaseState } => ({
      connection: { ...LOCAL, mode: 'shared', url: 'postgres://db/jobs', source: 'config', status, ...extra },
    })
    policy.handle('connection.changed', { connection: { ...LOCAL, status: 'offline' } }) // local mode: never
    policy.handle('connection.changed', shared('connecting'))
    policy.handle('connection.changed', shared('online'))
    policy.handle('connection.changed', shared('offline', { error: 'connect ECONNREFUSED 10.0.0.5:5432', offlineSince: '2026-03-01T10:48:00.000Z' }))
    policy.handle('connection.changed', shared('offline', { error: 'again', offlineSince: '2026-03-01T10:48:00.000Z' }))
    policy.handle('connection.changed', shared('online', { outboxPending: 3 }))
    // Lost again a minute later: quiet, and so is its return.
    vi.advanceTimersByTime(60_000)
    policy.handle('connection.changed', shared('offline'))
    policy.handle('connection.changed', shared('online'))
    expect(sent).toEqual([
      {
        kind: 'connection',
        title: 'Database connection lost',
        body: 'connect ECONNREFUSED 10.0.0.5:5432. Jobs keep running here; results are kept and sent when it returns.',
        target: '/settings',
        urgency: 'critical',
        tag: 'connection',
      },
      { kind: 'connection', title: 'Database connection restored', body: 'Back online after 12m 00s offline. Sending the 3 results kept meanwhile.', target: '/settings', urgency: 'normal', tag: 'connection' },
    ])
  })

  it('tells an overrun with the run as target', () => {
    policy.handle('run.overrun', { runId: 'R7', jobId: 'J7', type: 'sync', elapsedMs: 750_000, usualMs: 250_000, factor: 3 })
    expect(sent).toEqual([
      { kind: 'overrun', title: 'Dealer sync is taking long', body: 'Running for 12m 30s; it usually takes 4m 10s.', target: '/queue?run=R7', urgency: 'normal', tag: 'overrun:R7' },
    ])
  })
})

describe('schedule notifications', () => {
  it('the start-up catch-up summary and a skipped fire reach the desktop; the global switch silences them', () => {
    policy.handle('schedule.notice', { schedule: 'nightly-prospects', kind: 'missed', message: 'nightly-prospects missed 3 fires; ran the latest', at: '2026-03-01T11:00:00.000Z' })
    policy.handle('schedule.notice', { schedule: 'inventory', kind: 'skipped', message: 'inventory skipped its fire of 2026-03-01T11:00:00.000Z: previous job J9 still running', at: '2026-03-01T11:00:00.000Z' })
    expect(sent).toEqual([
      {
        kind: 'schedule',
        title: 'nightly-prospects: missed fires',
        body: 'nightly-prospects missed 3 fires; ran the latest',
        target: '/schedules?schedule=nightly-prospects',
        urgency: 'normal',
        tag: 'schedule:missed:nightly-prospects',
      },
      expect.objectContaining({ kind: 'schedule', title: 'inventory: fire skipped', body: expect.stringContaining('previous job J9 still running') }),
    ])
    settings.enabled = false
    policy.handle('schedule.notice', { schedule: 'x', kind: 'missed', message: 'x missed 1 fire; ran the latest', at: '2026-03-01T11:00:00.000Z' })
    expect(sent).toHaveLength(2)
  })
})

describe('source rows', () => {
  const stuck = (sourceId: string, type = 'legacy/report') => ({
    runId: `legacy:${sourceId}/run`,
    jobId: `legacy:${sourceId}`,
    type,
    source: 'legacy',
    sourceId,
    startedAt: '2026-03-01T10:15:00.000Z',
    stuckAfterMs: 1_800_000,
  })

  it('a stuck row is told once, naming its row and how long it has run, and opens its run on the Queue', () => {
    policy.handle('run.stuck', stuck('41'))
    policy.handle('run.stuck', stuck('41'))
    vi.advanceTimersByTime(2_000)
    expect(sent).toEqual([
      {
        kind: 'overrun',
        title: 'legacy/report is stuck',
        body: 'Row 41 of legacy is still running for 45m 02s, past its limit of 30m 00s.',
        target: '/queue?run=legacy%3A41%2Frun',
        urgency: 'normal',
        tag: 'stuck:legacy:41/run',
      },
    ])
    policy.handle('run.stuck', stuck('41'))
    vi.advanceTimersByTime(60_000)
    expect(sent).toHaveLength(1)
  })

  it('stuck rows found together are one notification; the overrun switch and muted types silence them', () => {
    policy.handle('run.stuck', stuck('1'))
    policy.handle('run.stuck', stuck('2'))
    policy.handle('run.stuck', stuck('3', 'legacy/invoice'))
    vi.advanceTimersByTime(2_000)
    expect(sent).toEqual([{ kind: 'overrun', title: '3 source rows stuck', body: 'legacy/report ×2, legacy/invoice', target: '/queue', urgency: 'normal', tag: 'stuck' }])
    settings.mutedTypes = ['legacy/report']
    policy.handle('run.stuck', stuck('4'))
    settings.overrun = false
    policy.handle('run.stuck', stuck('5', 'legacy/invoice'))
    vi.advanceTimersByTime(10_000)
    expect(sent).toHaveLength(1)
  })

  it('a mirrored row that failed is told like any failure, opening its run in History', () => {
    policy.handle('job.changed', { job: job('legacy:42', 'failed', { type: 'legacy/report', source: 'legacy', sourceId: '42', lastRunId: 'legacy:42/run', error: 'billing export failed: disk full' }) })
    vi.advanceTimersByTime(2_000)
    expect(sent).toEqual([
      { kind: 'failure', title: 'legacy/report failed', body: 'billing export failed: disk full', target: '/history?run=legacy%3A42%2Frun', urgency: 'normal', tag: 'failure:legacy:42' },
    ])
  })

  it('a failure and a stuck row in the same moment are each told in their own words', () => {
    policy.handle('job.changed', failed('J1'))
    policy.handle('run.stuck', stuck('7'))
    policy.flush()
    expect(sent.map((r) => r.title)).toEqual(['Daily report failed after 3 attempts', 'legacy/report is stuck'])
  })
})
