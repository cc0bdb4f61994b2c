// The same operator's story for every seed shape and a table mapped by `columns:`: rows inserted
// and updated show up within one poll, and a restart (a new core on the same data dir) resumes
// without a duplicate, with what changed while it was down. All rows of one insert share their
// created time, and pages are small: ties across a page boundary are read once each.
import type pg from 'pg'
import { describe, expect, it } from 'vitest'
import { createSeedTable, placeIn, sourceConfig, useSourceDatabase } from '../test-support/source-tables'
import type { Core } from '../core'
import { makeTestEnv, type TestEnv } from '../test-support/test-env'

const envs: TestEnv[] = []
const db = useSourceDatabase('jobdeck_source_shapes', envs)

interface Shape {
  name: string
  source: string
  table: string
  id: string
  status: string
  finished: string
  /** The value markFailed sets. */
  failed: string
  create(pool: pg.Pool): Promise<void>
  /** Inserts `n` rows waiting to run. */
  insert(pool: pg.Pool, n: number): Promise<void>
  /** Starts every waiting row and finishes every running one. */
  advance(pool: pg.Pool): Promise<void>
}

const SHAPES: Shape[] = [
  {
    name: 'background_jobs',
    table: 'background_jobs', id: 'id', status: 'status', finished: 'completed_at', failed: 'failed',
    source: 'preset: background_jobs',
    create: (pool) => createSeedTable(pool, 'background_jobs'),
    insert: async (pool, n) => void (await pool.query(`INSERT INTO background_jobs (job_type, status) SELECT 'report', 'pending' FROM generate_series(1, $1::int)`, [n])),
    advance: async (pool) => {
      await pool.query(`UPDATE background_jobs SET status = 'completed', completed_at = now() WHERE status = 'running'`)
      await pool.query(`UPDATE background_jobs SET status = 'running', started_at = now() WHERE status = 'pending'`)
    },
  },
  {
    name: 'batch_jobs',
    table: 'batch_jobs', id: 'batch_id', status: 'status', finished: 'processed_at', failed: 'FAILED',
    source: 'preset: batch_jobs',
    create: (pool) => createSeedTable(pool, 'batch_jobs'),
    insert: async (pool, n) => void (await pool.query(`INSERT INTO batch_jobs (status, total_reports) SELECT 'PENDING', 10 FROM generate_series(1, $1::int)`, [n])),
    advance: async (pool) => {
      await pool.query(`UPDATE batch_jobs SET status = 'COMPLETED', successful = 10, processed_at = now(), updated_at = now() WHERE status = 'PROCESSING'`)
      await pool.query(`UPDATE batch_jobs SET status = 'PROCESSING', updated_at = now() WHERE status = 'PENDING'`)
    },
  },
  {
    name: 'processing_jobs',
    table: 'processing_jobs', id: 'id', status: 'status', finished: 'completed_at', failed: 'failed',
    source: 'preset: processing_jobs',
    create: (pool) => createSeedTable(pool, 'processing_jobs'),
    insert: async (pool, n) => void (await pool.query(`INSERT INTO processing_jobs (data_type, status, total_items) SELECT 'invoices', 'pending', 5 FROM generate_series(1, $1::int)`, [n])),
    advance: async (pool) => {
      await pool.query(`UPDATE processing_jobs SET status = 'completed', items_processed = 5, completed_at = now() AT TIME ZONE 'UTC' WHERE status = 'running'`)
      await pool.query(`UPDATE processing_jobs SET status = 'running', started_at = now() AT TIME ZONE 'UTC' WHERE status = 'pending'`)
    },
  },
  {
    name: 'a table mapped by columns:',
    table: 'tasks', id: 'task_id', status: 'state', finished: 'ended_at', failed: 'broken',
    source: `table: public.tasks
columns: { id: task_id, type: kind, status: state, created: enqueued_at, started: began_at, finished: ended_at, updated: touched_at }
statuses: { new: queued, busy: running, done: succeeded, broken: failed }`,
    create: async (pool) => {
      await pool.query(`CREATE TABLE tasks (task_id text PRIMARY KEY, kind text, state text NOT NULL, enqueued_at timestamptz NOT NULL DEFAULT now(),
        began_at timestamptz, ended_at timestamptz, touched_at timestamptz NOT NULL DEFAULT now()); CREATE INDEX ON tasks (touched_at)`)
    },
    insert: async (pool, n) => void (await pool.query(`INSERT INTO tasks (task_id, kind, state) SELECT 't-' || gen_random_uuid(), 'sync', 'new' FROM generate_series(1, $1::int)`, [n])),
    advance: async (pool) => {
      await pool.query(`UPDATE tasks SET state = 'done', ended_at = now(), touched_at = now() WHERE state = 'busy'`)
      await pool.query(`UPDATE tasks SET state = 'busy', began_at = now(), touched_at = now() WHERE state = 'new'`)
    },
  },
]

const statusesOf = (core: Core): Record<string, number> => {
  const rows = core.store.db.prepare(`SELECT status, count(*) AS n FROM jobs WHERE source = 'legacy' GROUP BY status ORDER BY status`).all() as Array<{ status: string; n: number }>
  return Object.fromEntries(rows.map((r) => [r.status, r.n]))
}

describe.each(SHAPES)('$name', (shape) => {
  it('shows inserts and updates within one poll, and resumes after a restart without duplicates', async () => {
    await shape.create(db.pool)
    await shape.insert(db.pool, 30)
    // Pages of 7: a page boundary falls inside the rows, as on a large table.
    const options = { sourceTuning: { limits: { page: 7 } } }
    const env = makeTestEnv(sourceConfig(`${shape.source}\npoll: 1h`, db.url))
    envs.push(env)
    const core = env.open(options)
    await core.api['sources.sync']({})
    expect(statusesOf(core)).toEqual({ queued: 30 })

    await shape.advance(db.pool)
    await shape.insert(db.pool, 5)
    await core.api['sources.sync']({})
    expect(statusesOf(core)).toEqual({ queued: 5, running: 30 })
    await core.close()

    // While it is down: the running finish, the waiting start, 4 more arrive.
    await shape.advance(db.pool)
    await shape.insert(db.pool, 4)
    const again = env.open(options)
    const [info] = await again.api['sources.sync']({})
    expect(statusesOf(again)).toEqual({ queued: 4, running: 5, succeeded: 30 })
    expect(info).toMatchObject({ status: 'online', rows: 39, queued: 4, running: 5 })
    expect(again.store.db.prepare(`SELECT count(*) AS jobs, count(DISTINCT source_id) AS ids FROM jobs WHERE source = 'legacy'`).get()).toEqual({ jobs: 39, ids: 39 })
    expect(again.store.db.prepare(`SELECT count(*) AS n FROM runs WHERE source = 'legacy'`).get()).toEqual({ n: 35 })
  })

  it('reports a status value it does not map, a dropped column where it is mapped, and marks one running row failed only when enabled', async () => {
    await shape.create(db.pool)
    await shape.insert(db.pool, 3)
    await shape.advance(db.pool)
    await db.pool.query(`UPDATE ${shape.table} SET ${shape.status} = 'archived' WHERE ${shape.id} IN (SELECT ${shape.id} FROM ${shape.table} ORDER BY ${shape.id} LIMIT 1)`)
    const config = sourceConfig(`${shape.source}\npoll: 1h\nactions: { markFailed: true }`, db.url)
    const env = makeTestEnv(config)
    envs.push(env)
    const core = env.open()
    const [info] = await core.api['sources.sync']({})
    expect(info).toMatchObject({ status: 'online', rows: 2, running: 2, unmappedStatuses: ['archived'] })
    expect(info?.error).toContain('"archived" (1 row not mirrored)')

    const [target, other] = (await db.pool.query<{ id: string }>(`SELECT ${shape.id}::text AS id FROM ${shape.table} WHERE ${shape.status} <> 'archived' ORDER BY ${shape.id}`)).rows.map((r) => r.id)
    const done = await core.api['sources.markFailed']({ id: `legacy:${target}` })
    expect(done).toMatchObject({ sourceId: target, rowCount: 1 })
    const after = (await db.pool.query<{ id: string; s: string }>(`SELECT ${shape.id}::text AS id, ${shape.status} AS s FROM ${shape.table} ORDER BY ${shape.id}`)).rows
    expect(after.filter((r) => r.s === shape.failed).map((r) => r.id)).toEqual([target])
    expect(after.find((r) => r.id === other)?.s).not.toBe(shape.failed)
    expect(core.store.getJob(`legacy:${target}`).status).toBe('failed')
    await core.close()

    await db.pool.query(`ALTER TABLE ${shape.table} DROP COLUMN ${shape.finished}`)
    const again = env.open()
    const [broken] = await again.api['sources.sync']({})
    expect(broken?.status).toBe('error')
    expect(broken?.error).toMatch(new RegExp(`^jobdeck\\.yaml:\\d+:\\d+: sources\\.legacy\\.columns\\.finished( \\(\\S+ preset\\))?: column "${shape.finished}" does not exist in public\\.${shape.table}$`))
    const at = broken?.error?.split(':').slice(0, 3).join(':')
    expect(at).toBe(placeIn(config, shape.source.startsWith('preset:') ? shape.source.slice('preset: '.length) : shape.finished))
  })
})
