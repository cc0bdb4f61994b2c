import { afterEach, describe, expect, it } from 'vitest'
import { retentionSchema, type RetentionConfig } from '../../../src-shared/retention-config'
import { openTempStore, removeTempStore, type TempStore } from '../test-support/temp-store'
import { DAY, finishedJob, seedJobs } from '../test-support/retention-history'
import { removedMarker } from './log-retention'
import { SearchMerges } from './search-merges'
import { SqliteRetention } from './sqlite-retention'

let temp: TempStore | undefined
afterEach(() => {
  if (temp) removeTempStore(temp)
  temp = undefined
})

const NOW = Date.UTC(2026, 5, 1, 12)
const policy = (input: Record<string, unknown>): RetentionConfig => retentionSchema.parse(input)

function open(): { temp: TempStore; retention: SqliteRetention } {
  temp = openTempStore('jobdeck-retention-')
  const store = temp.store
  return { temp, retention: new SqliteRetention(temp.db, (fn) => store.relaxedTx(fn)) }
}

const ids = (t: TempStore, sql: string): string[] => (t.db.prepare(sql).pluck().all() as string[]).sort()

/** job_counts and type_stats as their triggers keep them, beside what a full count says. */
function counters(t: TempStore) {
  return {
    kept: t.db.prepare(`SELECT type, status, n FROM job_counts WHERE n <> 0 ORDER BY type, status`).all(),
    counted: t.db.prepare(`SELECT type, status, count(*) AS n FROM jobs GROUP BY type, status ORDER BY type, status`).all(),
    stats: t.db.prepare(`SELECT type, runs, failed FROM type_stats ORDER BY type`).all(),
    statsCounted: t.db.prepare(`SELECT type, count(*) AS runs, sum(status = 'failed') AS failed FROM runs WHERE status <> 'running' GROUP BY type ORDER BY type`).all(),
  }
}

describe('retention over SQLite', () => {
  it('deletes exactly the finished jobs past their status age, keeps the newest of each type, and never unfinished work', async () => {
    const { temp: t, retention } = open()
    seedJobs(t.db, [
      // sync: four old successes; keepLast 2 keeps the newest two of them.
      finishedJob('sync-old-1', 'sync', 'succeeded', 40 * DAY, NOW),
      finishedJob('sync-old-2', 'sync', 'succeeded', 39 * DAY, NOW),
      finishedJob('sync-old-3', 'sync', 'succeeded', 38 * DAY, NOW),
      finishedJob('sync-old-4', 'sync', 'succeeded', 37 * DAY, NOW),
      // report: a failure younger than failed's 180 days stays, an older one goes (the newer two are kept anyway).
      finishedJob('report-failed-100d', 'report', 'failed', 100 * DAY, NOW),
      finishedJob('report-failed-200d', 'report', 'failed', 200 * DAY, NOW),
      finishedJob('report-new-1', 'report', 'succeeded', 1 * DAY, NOW),
      finishedJob('report-new-2', 'report', 'succeeded', 2 * DAY, NOW),
      finishedJob('report-canceled-31d', 'report', 'canceled', 31 * DAY, NOW),
      // Unfinished work, however old its runs are.
      { id: 'sync-running', type: 'sync', status: 'running', finishedAt: null,
        runs: [{ id: 'sync-running-r1', status: 'running', startedAt: NOW - 90 * DAY, finishedAt: null, lines: [{ at: NOW - 90 * DAY, text: 'still going' }] }] },
      { id: 'sync-retrying', type: 'sync', status: 'retrying', finishedAt: null,
        runs: [{ id: 'sync-retrying-r1', status: 'failed', startedAt: NOW - 60 * DAY, finishedAt: NOW - 60 * DAY, error: 'boom' }] },
      { id: 'sync-queued', type: 'sync', status: 'queued', finishedAt: null, runs: [] },
      // Mirrored source rows follow the same policy.
      { ...finishedJob('crm-old-1', 'crm/import', 'succeeded', 45 * DAY, NOW), source: 'crm' },
      { ...finishedJob('crm-old-2', 'crm/import', 'succeeded', 44 * DAY, NOW), source: 'crm' },
      { ...finishedJob('crm-old-3', 'crm/import', 'succeeded', 43 * DAY, NOW), source: 'crm' },
    ])
    const { deleted } = await retention.apply(policy({ keepLast: 2, logs: '365d' }), NOW)

    expect(ids(t, `SELECT id FROM jobs`)).toEqual([
      'crm-old-2', 'crm-old-3', 'report-failed-100d', 'report-new-1', 'report-new-2',
      'sync-old-3', 'sync-old-4', 'sync-queued', 'sync-retrying', 'sync-running',
    ].sort())
    // report's newest two are its new successes: its 31-day cancel and 200-day failure go by age.
    expect(deleted).toMatchObject({ jobs: 5, runs: 5 })
    expect(ids(t, `SELECT id FROM runs`)).toEqual(['crm-old-2-r1', 'crm-old-3-r1', 'report-failed-100d-r1', 'report-new-1-r1', 'report-new-2-r1',
      'sync-old-3-r1', 'sync-old-4-r1', 'sync-retrying-r1', 'sync-running-r1'].sort())
    expect(t.db.prepare(`SELECT count(*) FROM run_logs WHERE run_id NOT IN (SELECT id FROM runs)`).pluck().get()).toBe(0)
    const c = counters(t)
    expect(c.kept).toEqual(c.counted)
    expect(c.stats).toEqual(c.statsCounted)
  })

  it('a policy made shorter applies to the rows already there at the next pass', async () => {
    const { temp: t, retention } = open()
    seedJobs(t.db, [finishedJob('a', 't', 'succeeded', 10 * DAY, NOW), finishedJob('b', 't', 'succeeded', 5 * DAY, NOW), finishedJob('c', 't', 'succeeded', 1 * DAY, NOW)])
    await retention.apply(policy({ keepLast: 0 }), NOW)
    expect(ids(t, `SELECT id FROM jobs`)).toEqual(['a', 'b', 'c'])
    expect(retention.preview(policy({ keepLast: 0, succeeded: '3d' }), NOW, 100)).toMatchObject({ jobs: 2, runs: 2, capped: false })
    await retention.apply(policy({ keepLast: 0, succeeded: '3d' }), NOW)
    expect(ids(t, `SELECT id FROM jobs`)).toEqual(['c'])
  })

  it('deletes output older than logs age from runs it keeps, marks them truncated, and keeps search right', async () => {
    const { temp: t, retention } = open()
    seedJobs(t.db, [
      finishedJob('old-output', 't', 'failed', 20 * DAY, NOW, 50),
      finishedJob('new-output', 't', 'succeeded', 1 * DAY, NOW, 3),
      { id: 'long-runner', type: 't', status: 'running', finishedAt: null,
        runs: [{ id: 'long-runner-r1', status: 'running', startedAt: NOW - 20 * DAY, finishedAt: null, lines: [{ at: NOW - 20 * DAY, text: 'running line' }] }] },
    ])
    const { deleted } = await retention.apply(policy({ logs: '14d', batch: 10 }), NOW)
    expect(deleted.logLines).toBe(50)
    expect(t.db.prepare(`SELECT run_id, count(*) AS n FROM run_logs GROUP BY run_id ORDER BY run_id`).all()).toEqual([
      { run_id: 'long-runner-r1', n: 1 },
      { run_id: 'new-output-r1', n: 3 },
    ])
    expect(t.db.prepare(`SELECT id, log_bytes, log_truncated FROM runs ORDER BY id`).all()).toEqual([
      { id: 'long-runner-r1', log_bytes: 13, log_truncated: 0 },
      { id: 'new-output-r1', log_bytes: expect.any(Number), log_truncated: 0 },
      { id: 'old-output-r1', log_bytes: 0, log_truncated: 1 },
    ])
    // The failed run is still found by its error, no longer by its deleted output.
    const search = (q: string) => t.db.prepare(`SELECT run_id FROM run_search WHERE run_search MATCH ?`).pluck().all(q)
    expect(search('failed')).toEqual(['old-output-r1'])
    expect(search('line')).toEqual(['new-output-r1'])
  })

  it('cuts a finished run over perRun to its head and tail with a marker line, and leaves a running one whole', async () => {
    const { temp: t, retention } = open()
    const line = (i: number) => ({ at: NOW - 1000 + i, text: `line ${String(i).padStart(4, '0')} ${'x'.repeat(90)}` })
    seedJobs(t.db, [
      { id: 'big', type: 't', status: 'succeeded', finishedAt: NOW, runs: [{ id: 'big-r1', status: 'succeeded', startedAt: NOW - 1000, finishedAt: NOW, lines: Array.from({ length: 100 }, (_, i) => line(i)) }] },
      { id: 'live', type: 't', status: 'running', finishedAt: null, runs: [{ id: 'live-r1', status: 'running', startedAt: NOW - 1000, finishedAt: null, lines: Array.from({ length: 100 }, (_, i) => line(i)) }] },
    ])
    const { deleted } = await retention.apply(policy({ logs: { perRun: '2KiB' } }), NOW)
    const text = t.db.prepare(`SELECT text FROM run_logs WHERE run_id = 'big-r1' ORDER BY id`).pluck().all() as string[]
    const removed = 100 - (text.length - 1)
    expect(deleted).toMatchObject({ trimmedRuns: 1, logLines: removed })
    expect(text[0]).toMatch(/^line 0000 /)
    expect(text.at(-1)).toMatch(/^line 0099 /)
    const marker = text.findIndex((l) => l.includes('removed by retention'))
    expect(text[marker]).toBe(removedMarker(removed))
    // Head and tail on either side of it, in order, each at most half the cap.
    expect(text.slice(0, marker).every((l, i) => l.startsWith(`line ${String(i).padStart(4, '0')}`))).toBe(true)
    expect(Number(text[marker + 1]!.slice(5, 9))).toBe(100 - (text.length - marker - 1))
    const run = t.db.prepare(`SELECT log_bytes, log_truncated FROM runs WHERE id = 'big-r1'`).get() as { log_bytes: number; log_truncated: number }
    expect(run.log_truncated).toBe(1)
    expect(run.log_bytes).toBe(text.reduce((n, l) => n + Buffer.byteLength(l) + 1, 0))
    expect(run.log_bytes).toBeLessThanOrEqual(2048)
    expect(t.db.prepare(`SELECT count(*) FROM run_logs WHERE run_id = 'live-r1'`).pluck().get()).toBe(100)
    // A second pass finds nothing more to cut.
    expect((await retention.apply(policy({ logs: { perRun: '2KiB' } }), NOW)).deleted.trimmedRuns).toBe(0)
  })

  it('deletes old schedule fires but each schedule\'s newest, and sent or failed alert deliveries but pending ones', async () => {
    const { temp: t, retention } = open()
    const fire = t.db.prepare(`INSERT INTO schedule_fires (schedule, scheduled_for, fired_at, outcome) VALUES (?, ?, ?, 'enqueued')`)
    for (const [schedule, age] of [['nightly', 100], ['nightly', 95], ['nightly', 1], ['yearly', 200]] as const) fire.run(schedule, NOW - age * DAY, NOW - age * DAY)
    const delivery = t.db.prepare(`INSERT INTO alert_deliveries (channel, kind, title, alerts, status, created_at) VALUES ('ops', 'webhook', ?, 1, ?, ?)`)
    delivery.run('old sent', 'sent', NOW - 100 * DAY)
    delivery.run('old failed', 'failed', NOW - 100 * DAY)
    delivery.run('old pending', 'pending', NOW - 100 * DAY)
    delivery.run('new sent', 'sent', NOW - DAY)
    const { deleted } = await retention.apply(policy({}), NOW)
    expect(deleted).toMatchObject({ fires: 2, deliveries: 2 })
    expect(t.db.prepare(`SELECT schedule, (? - scheduled_for) / ? AS age FROM schedule_fires ORDER BY schedule, age`).all(NOW, DAY)).toEqual([
      { schedule: 'nightly', age: 1 },
      { schedule: 'yearly', age: 200 },
    ])
    expect(ids(t, `SELECT title FROM alert_deliveries`)).toEqual(['new sent', 'old pending'])
  })

  it('merges the search index after the pass, not inside its deletes, and puts automerge back even after a pass killed half-way', async () => {
    const { temp: t, retention } = open()
    const automerge = () => t.db.prepare(`SELECT v FROM run_search_config WHERE k = 'automerge'`).pluck().get()
    seedJobs(t.db, Array.from({ length: 40 }, (_, i) => finishedJob(`f${i}`, 't', 'failed', (i < 30 ? 200 : 1) * DAY, NOW)))
    // A pass killed after it paused merging: the value it found is in meta, the index says 0.
    new SearchMerges(t.db, (fn) => t.store.relaxedTx(fn)).pause()
    expect(automerge()).toBe(0)
    await retention.apply(policy({ keepLast: 0 }), NOW)
    expect(automerge()).toBe(4)
    expect(t.db.prepare(`SELECT value FROM meta WHERE key = 'retention.ftsAutomerge'`).get()).toBeUndefined()
    expect((t.db.prepare(`SELECT run_id FROM run_search WHERE run_search MATCH 'failed'`).pluck().all() as string[]).sort()).toEqual(
      Array.from({ length: 10 }, (_, i) => `f${30 + i}-r1`).sort(),
    )
    t.db.prepare(`INSERT INTO run_search (run_search) VALUES ('integrity-check')`).run()
  })

  it('writes in transactions of a batch: many jobs take many small ones', async () => {
    const { temp: t, retention } = open()
    seedJobs(t.db, Array.from({ length: 300 }, (_, i) => finishedJob(`j${String(i).padStart(3, '0')}`, 't', 'succeeded', 40 * DAY + i, NOW)))
    let commits = 0
    const counting = new SqliteRetention(t.db, (fn) => {
      commits++
      return t.store.relaxedTx(fn)
    })
    const { deleted } = await counting.apply(policy({ keepLast: 0, batch: 10, logs: '365d' }), NOW)
    expect(deleted.jobs).toBe(300)
    expect(commits).toBeGreaterThanOrEqual(30)
    void retention
  })
})
