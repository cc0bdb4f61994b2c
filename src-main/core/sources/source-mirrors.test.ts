// Sources against real PostgreSQL: the seed apps' tables as they are, mirrored into a real data
// dir through the real core. What an operator sees: rows as jobs and runs after one poll, a
// restart that resumes without duplicates, problems named where they are fixed.
import pg from 'pg'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { EventMap } from '../../../src-shared/events'
import type { Core } from '../core'
import { createTestDatabase, type TestDatabase } from '../test-support/postgres'
import { createSeedTable, insertBackgroundJobs, placeIn, sourceConfig } from '../test-support/source-tables'
import { makeTestEnv, type TestEnv } from '../test-support/test-env'

let db: TestDatabase
let pool: pg.Pool
const envs: TestEnv[] = []

beforeAll(async () => {
  db = await createTestDatabase('jobdeck_sources')
  pool = new pg.Pool({ connectionString: db.url, max: 3 })
})
afterAll(async () => {
  await pool.end()
  await db.drop()
})
afterEach(async () => {
  for (const env of envs.splice(0)) {
    env.cleanup()
  }
  await pool.query('DROP SCHEMA public CASCADE; CREATE SCHEMA public')
})

const placeOf = placeIn
const configWith = (source: string): string => sourceConfig(source, db.url)

function open(config: string, options: Parameters<TestEnv['open']>[0] = {}): { env: TestEnv; core: Core } {
  const env = makeTestEnv(config)
  envs.push(env)
  return { env, core: env.open(options) }
}

function events(core: Core): { [K in 'job.changed' | 'source.changed' | 'run.stuck']: Array<EventMap[K]> } {
  const seen = { 'job.changed': [] as Array<EventMap['job.changed']>, 'source.changed': [] as Array<EventMap['source.changed']>, 'run.stuck': [] as Array<EventMap['run.stuck']> }
  core.events.on('job.changed', (e) => seen['job.changed'].push(e))
  core.events.on('source.changed', (e) => seen['source.changed'].push(e))
  core.events.on('run.stuck', (e) => seen['run.stuck'].push(e))
  return seen
}

const ago = (ms: number): Date => new Date(Date.now() - ms)
const sourceJobs = (core: Core) => core.store.db.prepare(`SELECT id, status, source_id FROM jobs WHERE source = 'legacy' ORDER BY id`).all() as Array<{ id: string; status: string; source_id: string }>

describe('a background_jobs source', () => {
  it('mirrors the backfill quietly, then inserts and updates within one poll, with events', async () => {
    await createSeedTable(pool, 'background_jobs')
    const [pending, running] = await insertBackgroundJobs(pool, [
      { job_type: 'report', status: 'pending', created_at: ago(60_000) },
      { job_type: 'report', status: 'running', created_at: ago(50_000), started_at: ago(40_000) },
      { job_type: 'export', status: 'failed', created_at: ago(3_600_000), started_at: ago(3_500_000), completed_at: ago(3_400_000), error_message: 'warehouse unreachable: timeout after 30s' },
    ])
    const { core } = open(configWith('preset: background_jobs\npoll: 1h'))
    const seen = events(core)
    const [info] = await core.api['sources.sync']({ name: 'legacy' })
    expect(info).toMatchObject({ name: 'legacy', status: 'online', table: 'public.background_jobs', rows: 3, queued: 1, running: 1, error: null })
    expect(info?.lastSyncAt).not.toBeNull()
    core.publishChanges()
    // 30 days of history arrive as one announcement, not as a failure notification per row.
    expect(seen['job.changed']).toEqual([])
    expect(seen['source.changed'].map((e) => e.mirrored)).toEqual([3])

    const runs = await core.api['runs.list']({ limit: 10 })
    expect(runs.map((r) => [r.type, r.status, r.sourceId, r.startKind])).toEqual([
      ['legacy/report', 'running', String(running), 'recorded'],
      ['legacy/export', 'failed', '3', 'recorded'],
    ])
    expect(runs[1]).toMatchObject({ source: 'legacy', lane: 'legacy', error: 'warehouse unreachable: timeout after 30s' })
    expect((await core.api['runs.list']({ limit: 10, search: 'warehouse' })).map((r) => r.sourceId)).toEqual(['3'])
    const waiting = core.store.getJob(`legacy:${pending}`)
    expect(waiting).toMatchObject({ status: 'queued', source: 'legacy', sourceId: String(pending), type: 'legacy/report' })
    expect(core.store.runsOfJob(waiting.id)).toEqual([])

    await pool.query(`UPDATE background_jobs SET status = 'running', started_at = now() WHERE id = $1`, [pending])
    await pool.query(`UPDATE background_jobs SET status = 'completed', completed_at = now() WHERE id = $1`, [running])
    const [added] = await insertBackgroundJobs(pool, [{ job_type: 'cleanup', status: 'pending' }])
    await core.api['sources.sync']({ name: 'legacy' })
    core.publishChanges()
    expect(core.store.getJob(`legacy:${pending}`).status).toBe('running')
    expect(core.store.getRun(`legacy:${pending}/run`)).toMatchObject({ status: 'running', startKind: 'recorded' })
    expect(core.store.getJob(`legacy:${running}`).status).toBe('succeeded')
    expect(core.store.getJob(`legacy:${added}`).status).toBe('queued')
    expect(seen['job.changed'].map((e) => `${e.job.sourceId}:${e.job.status}`).sort()).toEqual([`${added}:queued`, `${pending}:running`, `${running}:succeeded`].sort())
    // Rows read again unchanged (the safety margin) change nothing and say nothing.
    seen['job.changed'].length = 0
    await core.api['sources.sync']({ name: 'legacy' })
    core.publishChanges()
    expect(seen['job.changed']).toEqual([])
  })

  it('resumes after a restart without duplicates', async () => {
    await createSeedTable(pool, 'background_jobs')
    await insertBackgroundJobs(pool, Array.from({ length: 50 }, (_, i) => ({ job_type: 'report', status: 'completed', created_at: ago(100_000 - i), started_at: ago(90_000), completed_at: ago(80_000) })))
    const config = configWith('preset: background_jobs\npoll: 1h')
    const first = open(config, { sourceTuning: { limits: { page: 7 } } })
    await first.core.api['sources.sync']({})
    expect(sourceJobs(first.core)).toHaveLength(50)
    await first.core.close()
    await insertBackgroundJobs(pool, [{ job_type: 'report', status: 'running', started_at: ago(1000) }])
    const again = first.env.open({ sourceTuning: { limits: { page: 7 } } })
    const [info] = await again.api['sources.sync']({})
    expect(info?.rows).toBe(51)
    const rows = sourceJobs(again)
    expect(new Set(rows.map((r) => r.source_id)).size).toBe(51)
    expect(again.store.db.prepare(`SELECT count(*) AS n FROM runs WHERE source = 'legacy'`).get()).toEqual({ n: 51 })
  })

  it('reports a status value the mapping does not name, with where to map it, and mirrors it once mapped', async () => {
    await createSeedTable(pool, 'background_jobs')
    await insertBackgroundJobs(pool, [{ job_type: 'report', status: 'archived' }, { job_type: 'report', status: 'archived' }, { job_type: 'report', status: 'completed' }])
    const config = configWith('preset: background_jobs\npoll: 1h\nstatuses: { cancelled: canceled }')
    const { env, core } = open(config)
    const [info] = await core.api['sources.sync']({})
    expect(info?.unmappedStatuses).toEqual(['archived'])
    expect(info?.rows).toBe(1)
    expect(info?.error).toBe(`legacy: status "archived" (2 rows not mirrored) in public.background_jobs is not mapped; add it under sources.legacy.statuses (${placeOf(config, 'statuses:')})`)
    expect((await core.api['sources.list']({}))[0]?.unmappedStatuses).toEqual(['archived'])
    await core.close()
    // Mapped: a new mapping mirrors the source again from scratch, the archived rows included.
    env.writeConfig(configWith('preset: background_jobs\npoll: 1h\nstatuses: { cancelled: canceled, archived: canceled }'))
    const mapped = env.open()
    const [after] = await mapped.api['sources.sync']({})
    expect(after).toMatchObject({ rows: 3, unmappedStatuses: [], error: null })
  })

  it('reports a missing column at the file:line:col where it is mapped', async () => {
    await pool.query(`CREATE TABLE my_jobs (id bigint PRIMARY KEY, state text, created_at timestamptz, started_at timestamptz)`)
    const config = configWith(`table: public.my_jobs
poll: 1h
columns: { id: id, status: state, created: created_at, started: started_at, finished: completed_at }
statuses: { new: queued, busy: running, done: succeeded }`)
    const { core } = open(config)
    const [info] = await core.api['sources.sync']({})
    expect(info?.status).toBe('error')
    expect(info?.error).toBe(`${placeOf(config, 'completed_at')}: sources.legacy.columns.finished: column "completed_at" does not exist in public.my_jobs`)
    const test = await core.api['sources.test']({ name: 'legacy' })
    expect(test).toMatchObject({ ok: false, problems: [info?.error] })
  })

  it("names the preset's own missing column at `preset:`, and a column of the wrong type", async () => {
    await pool.query(`CREATE TABLE background_jobs (id serial PRIMARY KEY, job_type text, status text, created_at text, started_at timestamptz, completed_at timestamptz)`)
    const config = configWith('preset: background_jobs\npoll: 1h')
    const { core } = open(config)
    const [info] = await core.api['sources.sync']({})
    const at = placeOf(config, 'background_jobs')
    expect(info?.error?.split('\n')).toEqual([
      `${at}: sources.legacy.columns.created (background_jobs preset): column "created_at" is text; expected timestamptz, timestamp or date`,
      `${at}: sources.legacy.columns.error (background_jobs preset): column "error_message" does not exist in public.background_jobs`,
    ])
  })
})
