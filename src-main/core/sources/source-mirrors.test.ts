// Sources against real PostgreSQL: the seed apps' tables as they are, mirrored into a real data
// dir through the real core. What an operator sees: rows as jobs and runs after one poll, a
// restart that resumes without duplicates, problems named where they are fixed.
import { describe, expect, it } from 'vitest'
import type { EventMap } from '../../../src-shared/events'
import type { Core } from '../core'
import { createSeedTable, insertBackgroundJobs, placeIn, seedBackgroundJobs, sourceConfig, useSourceDatabase } from '../test-support/source-tables'
import { makeTestEnv, waitFor, type TestEnv } from '../test-support/test-env'

const envs: TestEnv[] = []
const db = useSourceDatabase('jobdeck_sources', envs)

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
  it('a row that ran and waits again ends its run as a failed attempt and waits as retrying; started again, the same run runs anew', async () => {
    await createSeedTable(db.pool, 'background_jobs')
    const [id, ranBefore] = await insertBackgroundJobs(db.pool, [
      { job_type: 'report', status: 'running', started_at: ago(120_000) },
      { job_type: 'report', status: 'pending', started_at: ago(300_000), error_message: 'attempt 1: upstream 503' },
    ])
    const { core } = open(configWith('preset: background_jobs\npoll: 1h\nstuckAfter: 1m'))
    await core.api['sources.sync']({})
    expect(core.store.getRun(`legacy:${id}/run`).stuckAt).not.toBeNull()
    // First seen waiting with a start: it ran before.
    expect(core.store.getJob(`legacy:${ranBefore}`).status).toBe('retrying')
    expect(core.store.getRun(`legacy:${ranBefore}/run`)).toMatchObject({ status: 'failed', error: 'attempt 1: upstream 503', startKind: 'recorded' })

    await db.pool.query(`UPDATE background_jobs SET status = 'pending', started_at = NULL, error_message = 'lost the worker' WHERE id = $1`, [id])
    await core.api['sources.sync']({})
    expect(core.store.getJob(`legacy:${id}`)).toMatchObject({ status: 'retrying', error: 'lost the worker' })
    const ended = core.store.getRun(`legacy:${id}/run`)
    expect(ended).toMatchObject({ status: 'failed', error: 'lost the worker', startKind: 'recorded' })
    expect(ended.finishedAt).not.toBeNull()
    // Never a job the runner would take: sources' rows wait in their own section.
    expect(core.store.listWaiting(10)).toEqual([])
    expect(core.store.sourceQueue('legacy', 10).counts.waiting).toBe(2)

    await db.pool.query(`UPDATE background_jobs SET status = 'running', started_at = now(), error_message = NULL WHERE id = $1`, [id])
    await core.api['sources.sync']({})
    const again = core.store.getRun(`legacy:${id}/run`)
    expect(again).toMatchObject({ status: 'running', finishedAt: null, error: null, stuckAt: null })
    expect(Date.parse(again.startedAt)).toBeGreaterThan(Date.parse(ended.startedAt))
    await db.pool.query(`UPDATE background_jobs SET status = 'completed', completed_at = now() WHERE id = $1`, [id])
    await core.api['sources.sync']({})
    expect(core.store.getJob(`legacy:${id}`).status).toBe('succeeded')
    expect(core.store.runsOfJob(`legacy:${id}`).map((r) => r.status)).toEqual(['succeeded'])
  })

  it('mirrors the backfill quietly, then inserts and updates within one poll, with events', async () => {
    await createSeedTable(db.pool, 'background_jobs')
    const [pending, running] = await insertBackgroundJobs(db.pool, [
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

    await db.pool.query(`UPDATE background_jobs SET status = 'running', started_at = now() WHERE id = $1`, [pending])
    await db.pool.query(`UPDATE background_jobs SET status = 'completed', completed_at = now() WHERE id = $1`, [running])
    const [added] = await insertBackgroundJobs(db.pool, [{ job_type: 'cleanup', status: 'pending' }])
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
    await createSeedTable(db.pool, 'background_jobs')
    await insertBackgroundJobs(db.pool, Array.from({ length: 50 }, (_, i) => ({ job_type: 'report', status: 'completed', created_at: ago(100_000 - i), started_at: ago(90_000), completed_at: ago(80_000) })))
    const config = configWith('preset: background_jobs\npoll: 1h')
    const first = open(config, { sourceTuning: { limits: { page: 7 } } })
    await first.core.api['sources.sync']({})
    expect(sourceJobs(first.core)).toHaveLength(50)
    await first.core.close()
    await insertBackgroundJobs(db.pool, [{ job_type: 'report', status: 'running', started_at: ago(1000) }])
    const again = first.env.open({ sourceTuning: { limits: { page: 7 } } })
    const [info] = await again.api['sources.sync']({})
    expect(info?.rows).toBe(51)
    const rows = sourceJobs(again)
    expect(new Set(rows.map((r) => r.source_id)).size).toBe(51)
    expect(again.store.db.prepare(`SELECT count(*) AS n FROM runs WHERE source = 'legacy'`).get()).toEqual({ n: 51 })
  })

  it('reports a status value the mapping does not name, with where to map it, and mirrors it once mapped', async () => {
    await createSeedTable(db.pool, 'background_jobs')
    await insertBackgroundJobs(db.pool, [{ job_type: 'report', status: 'archived' }, { job_type: 'report', status: 'archived' }, { job_type: 'report', status: 'completed' }])
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

  it('keeps reporting rows held back for an unmapped status after a restart, and mirrors each once its own status maps', async () => {
    await createSeedTable(db.pool, 'background_jobs')
    const [held] = await insertBackgroundJobs(db.pool, [{ job_type: 'report', status: 'queued_for_review' }, { job_type: 'report', status: 'completed' }])
    const config = configWith('preset: background_jobs\npoll: 1h')
    const { env, core } = open(config)
    await core.api['sources.sync']({})
    await core.close()
    // Another process (the next `jobdeck sources`, a restart): the watermark is past the row, yet it is still reported…
    const next = env.open()
    expect((await next.api['sources.list']({}))[0]?.unmappedStatuses).toEqual(['queued_for_review'])
    const [again] = await next.api['sources.sync']({})
    expect(again?.unmappedStatuses).toEqual(['queued_for_review'])
    expect(again?.error).toMatch(/^legacy: status "queued_for_review" \(1 row not mirrored\)/)
    expect(again?.rows).toBe(1)
    // …and read again by id: once the row's own status is one the mapping names, it is mirrored and the report ends.
    await db.pool.query(`UPDATE background_jobs SET status = 'completed', started_at = now() - interval '1 minute', completed_at = now() WHERE id = $1`, [held])
    const [after] = await next.api['sources.sync']({})
    expect(after).toMatchObject({ rows: 2, unmappedStatuses: [], error: null })
    expect(next.store.getJob(`legacy:${held}`).status).toBe('succeeded')
  })

  it('reports a missing column at the file:line:col where it is mapped', async () => {
    await db.pool.query(`CREATE TABLE my_jobs (id bigint PRIMARY KEY, state text, created_at timestamptz, started_at timestamptz)`)
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

  it('a where: the database refuses is reported at where:', async () => {
    await createSeedTable(db.pool, 'background_jobs')
    const config = configWith(`preset: background_jobs\npoll: 1h\nwhere: "queue = 'default'"`)
    const { core } = open(config)
    const [info] = await core.api['sources.sync']({})
    expect(info).toMatchObject({ status: 'error', rows: 0 })
    expect(info?.error).toBe(`${placeOf(config, '"queue')}: sources.legacy.where: "queue = 'default'" is refused by the database: column "queue" does not exist`)
  })

  it("names the preset's own missing column at `preset:`, and a column of the wrong type", async () => {
    await db.pool.query(`CREATE TABLE background_jobs (id serial PRIMARY KEY, job_type text, status text, created_at text, started_at timestamptz, completed_at timestamptz)`)
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

describe('stopping', () => {
  it('a core closed mid-backfill stops after the page in hand, and the next start resumes there', async () => {
    await createSeedTable(db.pool, 'background_jobs')
    await seedBackgroundJobs(db.pool, 20_000)
    const tuning = { sourceTuning: { limits: { page: 200 } } }
    const { env, core } = open(configWith('preset: background_jobs\npoll: 1h'), { ...tuning, sources: true })
    const state = () => core.store.db.prepare(`SELECT watermark, backfilled FROM source_state WHERE name = 'legacy'`).get() as { watermark: string | null; backfilled: number } | undefined
    await waitFor(() => state()?.watermark != null, 20_000, 'a committed page')
    const t0 = Date.now()
    await core.close()
    expect(Date.now() - t0).toBeLessThan(5_000)
    const again = env.open(tuning)
    const mirrored = again.store.db.prepare(`SELECT count(*) AS n FROM jobs WHERE source = 'legacy'`).get() as { n: number }
    expect(mirrored.n).toBeLessThan(20_000)
    const [info] = await again.api['sources.sync']({})
    expect(info?.rows).toBe(20_000)
  }, 120_000)
})
