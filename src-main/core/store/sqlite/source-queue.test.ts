import { afterEach, describe, expect, it } from 'vitest'
import { openTempStore, removeTempStore, type TempStore } from '../../test-support/temp-store'

let temp: TempStore | undefined
afterEach(() => temp && removeTempStore(temp))

describe('sources\' rows in the queue', () => {
  it('are listed in a section of their own and never counted, claimed or awaited by the runner', () => {
    temp = openTempStore('source-queue')
    const { db, store } = temp
    const insertJob = db.prepare(`INSERT INTO jobs (id, type, params, priority, lane, status, ord, created_at, queued_at, seq, source, source_id)
      VALUES (?, 'legacy/report', '{}', 0, 'legacy', ?, 1, 1, 1, 1, 'legacy', ?)`)
    insertJob.run('legacy:1', 'queued', '1')
    insertJob.run('legacy:2', 'running', '2')
    db.prepare(`INSERT INTO runs (id, job_id, type, lane, params, attempt, status, queued_at, started_at, runner_id, seq, source, source_id, start_kind, stuck_at)
      VALUES ('legacy:2/run', 'legacy:2', 'legacy/report', 'legacy', '{}', 1, 'running', 1, 5, 'source:legacy', 2, 'legacy', '2', 'observed', 9)`).run()
    const all = store.sourceQueue(null, 10)
    expect(all.counts).toEqual({ waiting: 1, running: 1, stuck: 1 })
    expect(all.waiting.map((j) => [j.id, j.source, j.sourceId])).toEqual([['legacy:1', 'legacy', '1']])
    expect(all.running.map(({ run, job }) => [run.id, run.startKind, run.stuckAt, job.id])).toEqual([['legacy:2/run', 'observed', new Date(9).toISOString(), 'legacy:2']])
    expect(store.sourceQueue('other', 10).counts).toEqual({ waiting: 0, running: 0, stuck: 0 })
    expect(store.counts().queued).toBe(0)
    expect(store.counts().running).toBe(0)
    expect(store.hasPendingWork()).toBe(false)
    expect(store.listWaiting(10)).toEqual([])
    expect(store.listRunning()).toEqual([])
  })
})
