// Each seed table's preset, and a table mapped by `columns:`, against real PostgreSQL: what an
// operator sees of each shape (a batch's observed start, counters, naive timestamps, a filter).
import { describe, expect, it } from 'vitest'
import type { Core } from '../core'
import { createSeedTable, sourceConfig, useSourceDatabase } from '../test-support/source-tables'
import { makeTestEnv, type TestEnv } from '../test-support/test-env'

const envs: TestEnv[] = []
const db = useSourceDatabase('jobdeck_source_presets', envs)

function open(source: string, options: Parameters<TestEnv['open']>[0] = {}): Core {
  const env = makeTestEnv(sourceConfig(source, db.url))
  envs.push(env)
  return env.open(options)
}

describe('batch_jobs (no start column, an updated_at)', () => {
  it('starts a batch when first seen PROCESSING (observed), one first seen finished has an unknown start; counters and updates flow', async () => {
    await createSeedTable(db.pool, 'batch_jobs')
    const { rows } = await db.pool.query<{ batch_id: string }>(`INSERT INTO batch_jobs (status, total_reports, successful, failed, created_at, processed_at, updated_at) VALUES
      ('PENDING', 40, 0, 0, now() - interval '10 minutes', NULL, now() - interval '10 minutes'),
      ('PROCESSING', 100, 20, 1, now() - interval '9 minutes', NULL, now() - interval '1 minute'),
      ('PARTIALLY_COMPLETED', 10, 8, 2, now() - interval '2 hours', now() - interval '1 hour', now() - interval '1 hour')
      RETURNING batch_id`)
    const [pending, processing, partial] = rows.map((r) => r.batch_id) as [string, string, string]
    const core = open('preset: batch_jobs\npoll: 1h')
    const before = Date.now()
    await core.api['sources.sync']({})
    const run = core.store.getRun(`legacy:${processing}/run`)
    expect(run).toMatchObject({ type: 'legacy/batch', status: 'running', startKind: 'observed', progress: expect.objectContaining({ total: 100 }), itemsOk: 20, itemsFailed: 1 })
    expect(Date.parse(run.startedAt)).toBeGreaterThanOrEqual(before - 1000)
    const done = core.store.getRun(`legacy:${partial}/run`)
    expect(done).toMatchObject({ status: 'partial', startKind: 'unknown', startedAt: done.finishedAt, itemsOk: 8, itemsFailed: 2 })
    expect(core.store.getJob(`legacy:${pending}`).status).toBe('queued')

    // The observed start is kept when the batch finishes; the pending one starts now (observed).
    await db.pool.query(`UPDATE batch_jobs SET status = 'COMPLETED', successful = 99, processed_at = now(), updated_at = now() WHERE batch_id = $1`, [processing])
    await db.pool.query(`UPDATE batch_jobs SET status = 'PROCESSING', updated_at = now() WHERE batch_id = $1`, [pending])
    await core.api['sources.sync']({})
    expect(core.store.getRun(`legacy:${processing}/run`)).toMatchObject({ status: 'succeeded', startKind: 'observed', startedAt: run.startedAt, itemsOk: 99 })
    expect(core.store.getRun(`legacy:${pending}/run`)).toMatchObject({ status: 'running', startKind: 'observed' })
  })
})

describe('processing_jobs (timestamps without zone, counters)', () => {
  it('reads naive timestamps as UTC and maps the item counters', async () => {
    await createSeedTable(db.pool, 'processing_jobs')
    await db.pool.query(`INSERT INTO processing_jobs (data_type, status, total_items, items_processed, items_failed, created_at, started_at, completed_at)
      VALUES ('invoices', 'completed', 500, 480, 20, '2026-12-01 10:00:00', '2026-12-01 10:00:05', '2026-12-01 10:07:05'),
             ('invoices', 'running', 100, 10, 0, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC', NULL)`)
    const core = open('preset: processing_jobs\npoll: 1h\nsince: 30d')
    const [info] = await core.api['sources.sync']({})
    expect(info).toMatchObject({ status: 'online', rows: 2, running: 1 })
    const runs = await core.api['runs.list']({ limit: 10, status: 'succeeded' })
    expect(runs).toEqual([expect.objectContaining({ type: 'legacy/invoices', startedAt: '2026-12-01T10:00:05.000Z', finishedAt: '2026-12-01T10:07:05.000Z', itemsOk: 480, itemsFailed: 20, startKind: 'recorded' })])
    // The running row is read again by id until it finishes (no updated column).
    await db.pool.query(`UPDATE processing_jobs SET status = 'failed', items_failed = 3, completed_at = now() AT TIME ZONE 'UTC' WHERE status = 'running'`)
    await core.api['sources.sync']({})
    expect((await core.api['runs.list']({ limit: 10, status: 'failed' })).map((r) => r.itemsFailed)).toEqual([3])
  })
})

describe('the re-read of unfinished rows', () => {
  it('takes a backlog larger than its cap in turns, so every row is read again within a few polls', async () => {
    await createSeedTable(db.pool, 'background_jobs')
    await db.pool.query(`INSERT INTO background_jobs (job_type, status, created_at, started_at)
      SELECT 'report', 'running', now() - (i || ' minutes')::interval, now() FROM generate_series(1, 5) AS i`)
    const core = open('preset: background_jobs\npoll: 1h', { sourceTuning: { limits: { rereadCap: 2, page: 2 } } })
    await core.api['sources.sync']({})
    expect(core.store.sourceQueue('legacy', 10).counts.running).toBe(5)
    // Two rows in the middle of the backlog finish; the two oldest keep running (a cap of 2 taken
    // from the oldest every time would never reach the two that finished).
    await db.pool.query(`UPDATE background_jobs SET status = 'completed', completed_at = now() WHERE created_at BETWEEN now() - interval '3 minutes 30 seconds' AND now() - interval '90 seconds'`)
    const running: number[] = []
    for (let poll = 0; poll < 2; poll++) {
      await core.api['sources.sync']({})
      running.push(core.store.sourceQueue('legacy', 10).counts.running)
    }
    // The first sync's turn read the two oldest; the next turn reads the two that finished.
    expect(running).toEqual([3, 3])
  })
})

describe('rows deleted from the table', () => {
  it('a row mirrored unfinished that the table deletes before it is seen finished ends canceled, its run interrupted, saying why', async () => {
    await createSeedTable(db.pool, 'background_jobs')
    const { rows } = await db.pool.query<{ id: number }>(`INSERT INTO background_jobs (job_type, status, created_at, started_at)
      VALUES ('report', 'running', now() - interval '1 hour', now() - interval '1 hour'), ('report', 'pending', now() - interval '1 hour', NULL) RETURNING id`)
    const [running, pending] = rows.map((r) => r.id)
    const core = open('preset: background_jobs\npoll: 1h')
    await core.api['sources.sync']({})
    await db.pool.query(`DELETE FROM background_jobs`)
    await core.api['sources.sync']({})
    const why = 'public.background_jobs no longer has this row (deleted before Jobdeck saw it finish)'
    expect(core.store.getJob(`legacy:${running}`)).toMatchObject({ status: 'canceled', error: why })
    expect(core.store.getRun(`legacy:${running}/run`)).toMatchObject({ status: 'interrupted', error: why })
    expect(core.store.getJob(`legacy:${pending}`)).toMatchObject({ status: 'canceled', error: why })
    expect(core.store.sourceQueue('legacy', 10).counts).toEqual({ waiting: 0, running: 0, stuck: 0 })
  })
})

describe('a table mapped by columns:', () => {
  it('mirrors only the rows its where: keeps, with a constant type, lanes from a column, and statuses matched case-insensitively', async () => {
    await db.pool.query(`CREATE SCHEMA ops;
      CREATE TABLE ops.exports (job_uuid uuid PRIMARY KEY DEFAULT gen_random_uuid(), state text NOT NULL, queue text NOT NULL, tenant text,
        inserted timestamptz NOT NULL DEFAULT now(), began timestamptz, ended timestamptz, changed timestamptz NOT NULL DEFAULT now(), why text);
      CREATE INDEX ON ops.exports (changed);
      INSERT INTO ops.exports (state, queue, tenant, began, ended, why) VALUES
        ('Done', 'default', 'acme', now() - interval '2 minutes', now() - interval '1 minute', NULL),
        ('ERROR', 'default', 'globex', now() - interval '3 minutes', now() - interval '2 minutes', 'S3 access denied'),
        ('busy', 'slow', 'acme', now(), NULL, NULL);`)
    const core = open(`table: ops.exports
type: export
where: "queue = 'default'"
poll: 1h
columns: { id: job_uuid, status: state, lane: tenant, created: inserted, started: began, finished: ended, updated: changed, error: why }
statuses: { done: succeeded, error: failed, busy: running, waiting: queued }`)
    const [info] = await core.api['sources.sync']({})
    expect(info).toMatchObject({ status: 'online', rows: 2, table: 'ops.exports', preset: null, index: expect.objectContaining({ indexed: true }) })
    const runs = await core.api['runs.list']({ limit: 10 })
    expect(runs.map((r) => [r.type, r.lane, r.status, r.error])).toEqual([
      ['legacy/export', 'legacy:acme', 'succeeded', null],
      ['legacy/export', 'legacy:globex', 'failed', 'S3 access denied'],
    ])
  })
})
