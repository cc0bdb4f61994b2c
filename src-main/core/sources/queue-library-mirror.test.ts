// pg-boss, River and Oban sources mirrored through the real core from their real tables: what an
// operator sees after one poll, after the library moves its jobs on, after a restart, when the
// library grows a state the preset does not know, and what the index advice says.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseConfigText } from '../config/load-config'
import type { Core } from '../core'
import {
  createObanTable, createRiverTable, obanFinish, obanInsert, obanStart, produceObanStates, producePgBossStates, produceRiverStates,
  riverFinish, riverInsert, riverStart, startPgBoss,
} from '../test-support/queue-library-tables'
import { createSeedTable, insertBackgroundJobs, placeIn, sourceConfig, useSourceDatabase } from '../test-support/source-tables'
import { startTcpProxy, viaProxy } from '../test-support/tcp-proxy'
import { makeTestEnv, type TestEnv } from '../test-support/test-env'

const envs: TestEnv[] = []
// The libraries' tables live through each describe's tests, as a library's tables do.
const libs = useSourceDatabase('jobdeck_queue_libs', envs, { emptyAfterEach: false })

function open(source: string, name: string, options: Parameters<TestEnv['open']>[0] = {}, url = libs.url): { env: TestEnv; core: Core } {
  const env = makeTestEnv(sourceConfig(`${source}\npoll: 1h`, url, name))
  envs.push(env)
  return { env, core: env.open(options) }
}

/** Each mirrored job of a source: its status, and its run's status and error. */
function mirrored(core: Core, source: string): Map<string, { job: string; run: string | null; error: string | null; lane: string; type: string }> {
  const rows = core.store.db.prepare(`SELECT j.source_id AS id, j.status AS job, j.lane, j.type, r.status AS run, r.error
    FROM jobs j LEFT JOIN runs r ON r.job_id = j.id WHERE j.source = ?`).all(source) as Array<{ id: string; job: string; run: string | null; error: string | null; lane: string; type: string }>
  return new Map(rows.map(({ id, ...rest }) => [id, rest]))
}

/** A newer version of the library adds a state (to its enum) and a job takes it: reported, with where to map it. */
async function expectNewStateReported(preset: 'pg-boss' | 'river' | 'oban', source: string, table: string, stateType: string, id: string): Promise<void> {
  await libs.pool.query(`ALTER TYPE ${stateType} ADD VALUE IF NOT EXISTS 'suspended'`)
  await libs.pool.query(`UPDATE ${table} SET state = 'suspended' WHERE id = $1`, [id])
  const { core } = open(`preset: ${preset}`, source)
  const [info] = await core.api['sources.sync']({})
  expect(info?.unmappedStatuses).toEqual(['suspended'])
  const where = `add it under sources\\.${source}\\.statuses \\(jobdeck\\.yaml:\\d+:\\d+\\)`
  expect(info?.error).toMatch(new RegExp(`^${source}: status "suspended" \\(1 row not mirrored\\) in ${table.replace('.', '\\.')} is not mapped; ${where}$`))
  await libs.pool.query(`DELETE FROM ${table} WHERE id = $1`, [id])
}

describe('a pg-boss source, on the tables pg-boss itself made', () => {
  let stop: () => Promise<void>
  let boss: Awaited<ReturnType<typeof startPgBoss>>
  beforeAll(async () => {
    boss = await startPgBoss(libs.url)
    stop = () => boss.stop({ graceful: false, wait: true, close: true })
  })
  afterAll(async () => stop?.())

  it('mirrors jobs from the job table and the archive, follows pg-boss moving them on, and resumes after a restart without duplicates', async () => {
    const ids = await producePgBossStates(boss, 'reports')
    const { env, core } = open('preset: pg-boss', 'boss')
    const [info] = await core.api['sources.sync']({})
    expect(info).toMatchObject({ status: 'online', table: 'pgboss.job', rows: 8, unmappedStatuses: [], error: null })
    const seen = mirrored(core, 'boss')
    expect(seen.get(ids.active)).toMatchObject({ job: 'running', run: 'running', type: 'boss/reports', lane: 'boss:reports' })
    expect(seen.get(ids.failed)).toMatchObject({ job: 'failed', run: 'failed', error: 'report generator crashed: disk full' })
    expect(seen.get(ids.archivedCompleted)).toMatchObject({ job: 'succeeded', run: 'succeeded' })
    expect(seen.get(ids.archivedUnstarted)).toMatchObject({ job: 'canceled', run: null })
    expect(seen.get(ids.created)).toMatchObject({ job: 'queued', run: null })
    expect((await core.api['runs.list']({ source: 'boss', search: 'disk full', limit: 10 })).map((r) => r.sourceId)).toEqual([ids.failed])

    // pg-boss moves on: the active job completes, a new one arrives, and maintenance archives the finished ones.
    await boss.complete('reports', ids.active, { rows: 1 })
    const added = await boss.send('reports', { at: Date.now() }, { startAfter: 3600 })
    await new Promise((resolve) => setTimeout(resolve, 1_100))
    await boss.maintain()
    const archived = await libs.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM pgboss.archive')
    expect(archived.rows[0]?.n).toBeGreaterThanOrEqual(5)
    await core.api['sources.sync']({})
    const after = mirrored(core, 'boss')
    expect(after.get(ids.active)).toMatchObject({ job: 'succeeded', run: 'succeeded' })
    expect(after.get(added!)).toMatchObject({ job: 'queued', run: null })
    // Archived after they were mirrored: still there, as they were.
    expect(after.get(ids.failed)).toMatchObject({ job: 'failed', error: 'report generator crashed: disk full' })
    expect(after.size).toBe(9)

    await core.close()
    const again = env.open()
    const [resumed] = await again.api['sources.sync']({})
    expect(resumed?.rows).toBe(9)
    expect(again.store.db.prepare(`SELECT count(*) AS n, count(DISTINCT source_id) AS ids FROM jobs WHERE source = 'boss'`).get()).toEqual({ n: 9, ids: 9 })
  })

  it('pages through jobs pg-boss inserted together (one created_on) without losing any', async () => {
    await boss.insert(Array.from({ length: 40 }, (_, i) => ({ name: 'reports', data: { i }, startAfter: new Date(Date.now() + 3_600_000) })))
    const total = await libs.pool.query<{ n: number }>('SELECT (SELECT count(*) FROM pgboss.job) + (SELECT count(*) FROM pgboss.archive) AS n')
    const { core } = open('preset: pg-boss', 'boss', { sourceTuning: { limits: { page: 7 } } })
    const [info] = await core.api['sources.sync']({})
    expect(info?.rows).toBe(Number(total.rows[0]?.n))
  })

  it('advises the created_on indexes pg-boss lacks, and is indexed once they exist', async () => {
    const { core } = open('preset: pg-boss', 'boss')
    const before = await core.api['sources.test']({ name: 'boss' })
    expect(before.ok).toBe(true)
    expect(before.index).toMatchObject({ indexed: false, plan: expect.stringMatching(/^Seq Scan on (archive|j[0-9a-f]{56} \(a partition of pgboss\.job\))$/) })
    expect(before.index?.createIndex).toContain('CREATE INDEX IF NOT EXISTS job_jobdeck_created ON "pgboss".job (created_on)')
    for (const statement of before.index!.createIndex!.split(';\n')) await libs.pool.query(statement)
    const after = await core.api['sources.test']({ name: 'boss' })
    expect(after.index).toMatchObject({ indexed: true, createIndex: null })
  })

  it('reports a state a newer pg-boss adds, with where to map it', async () => {
    const id = await boss.send('reports', { at: Date.now() }, { startAfter: 3600 })
    await expectNewStateReported('pg-boss', 'boss', 'pgboss.job', 'pgboss.job_state', id!)
  })

  it('keeps a job pg-boss archived, and ends one deleted with deleteJob', async () => {
    await boss.createQueue('cleanup', { name: 'cleanup' })
    const kept = await boss.send('cleanup', { at: Date.now() }, { startAfter: 3600 })
    const dropped = await boss.send('cleanup', { at: Date.now() }, { startAfter: 3600 })
    const { core } = open('preset: pg-boss', 'boss')
    await core.api['sources.sync']({})
    await boss.cancel('cleanup', kept!)
    await new Promise((resolve) => setTimeout(resolve, 1_100))
    await boss.maintain()
    await boss.deleteJob('cleanup', dropped!)
    const archived = await libs.pool.query('SELECT 1 FROM pgboss.archive WHERE id = $1', [kept])
    expect(archived.rowCount).toBe(1)
    await core.api['sources.sync']({})
    expect(mirrored(core, 'boss').get(kept!)).toMatchObject({ job: 'canceled', error: null })
    // Deleted while waiting: never ran, so no run; the job says why it ended.
    expect(mirrored(core, 'boss').get(dropped!)).toMatchObject({ job: 'canceled', run: null })
    expect(core.store.getJob(`boss:${dropped}`).error).toContain('pgboss.job no longer has this row')
  })

  it('reads a pg-boss that runs in its own schema, given its table', async () => {
    const other = await startPgBoss(libs.url, 'jobs')
    try {
      await other.createQueue('mail', { name: 'mail' })
      const id = await other.send('mail', { to: 'ops@example.com' })
      const { core } = open('preset: pg-boss\ntable: jobs.job', 'mail')
      const [info] = await core.api['sources.sync']({})
      expect(info).toMatchObject({ status: 'online', table: 'jobs.job', rows: 1, error: null })
      expect(mirrored(core, 'mail').get(id!)).toMatchObject({ job: 'queued', type: 'mail/mail' })
      expect(info?.index?.createIndex).toContain('ON "jobs".archive (created_on)')
    } finally {
      await other.stop({ graceful: false, wait: true, close: true })
    }
  })

  it('refuses markFailed at load, naming the line and the reason', () => {
    const config = sourceConfig('preset: pg-boss\nactions: { markFailed: true }', libs.url, 'boss')
    const result = parseConfigText(config, '/cfg/jobdeck.yaml')
    expect(result.ok).toBe(false)
    if (result.ok) return
    const [error] = result.errors
    expect(`jobdeck.yaml:${error?.line}:${error?.col}`).toBe(placeIn(config, 'true'))
    expect(error?.message).toMatch(/the pg-boss preset does not offer markFailed: pg-boss fails an active job itself/)
  })
})

describe('a River source', () => {
  let ids: Awaited<ReturnType<typeof produceRiverStates>>
  beforeAll(async () => {
    await createRiverTable(libs.pool)
    ids = await produceRiverStates(libs.pool)
  })

  it('mirrors every state, shows inserts and updates within one poll, and resumes without duplicates', async () => {
    const { env, core } = open('preset: river', 'river')
    const [info] = await core.api['sources.sync']({})
    expect(info).toMatchObject({ status: 'online', rows: 8, queued: 4, running: 1, error: null, index: { indexed: true } })
    const seen = mirrored(core, 'river')
    expect(seen.get(ids.discarded)).toMatchObject({ job: 'failed', run: 'failed', error: 'crm: account suspended', type: 'river/sync_crm', lane: 'river:default' })
    expect(seen.get(ids.completed)).toMatchObject({ job: 'succeeded', error: null, lane: 'river:billing' })

    const added = await riverInsert(libs.pool, 'send_invoice', 'billing')
    await riverFinish(libs.pool, ids.running, 'completed')
    await riverStart(libs.pool, ids.available)
    await core.api['sources.sync']({})
    const after = mirrored(core, 'river')
    expect(after.get(added)).toMatchObject({ job: 'queued', run: null })
    expect(after.get(ids.running)).toMatchObject({ job: 'succeeded', run: 'succeeded' })
    expect(after.get(ids.available)).toMatchObject({ job: 'running', run: 'running' })

    await core.close()
    const again = env.open()
    const [resumed] = await again.api['sources.sync']({})
    expect(resumed?.rows).toBe(9)
    expect(again.store.db.prepare(`SELECT count(DISTINCT source_id) AS ids, count(*) AS n FROM jobs WHERE source = 'river'`).get()).toEqual({ ids: 9, n: 9 })
  })

  it('pages by id in number order: ids 9 and 10 on either side of a page lose nothing', async () => {
    for (let i = 0; i < 25; i++) await riverInsert(libs.pool, 'send_invoice', 'billing')
    const { core } = open('preset: river', 'river', { sourceTuning: { limits: { page: 7 } } })
    const [info] = await core.api['sources.sync']({})
    const total = await libs.pool.query<{ n: string }>('SELECT count(*) AS n FROM river_job')
    expect(info?.rows).toBe(Number(total.rows[0]?.n))
  })

  it('ends the run of a job whose attempt failed and waits for its retry, and runs it again on the next attempt', async () => {
    const job = await riverInsert(libs.pool, 'sync_crm')
    await riverStart(libs.pool, job)
    const { core } = open('preset: river', 'river')
    await core.api['sources.sync']({})
    expect(mirrored(core, 'river').get(job)).toMatchObject({ job: 'running', run: 'running' })
    await riverFinish(libs.pool, job, 'retryable', 'crm: 502 bad gateway')
    await core.api['sources.sync']({})
    const waiting = core.store.getRun(`river:${job}/run`)
    expect(mirrored(core, 'river').get(job)).toMatchObject({ job: 'retrying', run: 'failed', error: 'crm: 502 bad gateway' })
    expect(waiting.finishedAt).not.toBeNull()
    // Read again while it waits: nothing changes (no event, no new finish time).
    await core.api['sources.sync']({})
    expect(core.store.getRun(`river:${job}/run`)).toEqual(waiting)
    await riverStart(libs.pool, job)
    await core.api['sources.sync']({})
    expect(mirrored(core, 'river').get(job)).toMatchObject({ job: 'running', run: 'running' })
    expect(core.store.getRun(`river:${job}/run`).finishedAt).toBeNull()
    await riverFinish(libs.pool, job, 'completed')
    await core.api['sources.sync']({})
    expect(mirrored(core, 'river').get(job)).toMatchObject({ job: 'succeeded', run: 'succeeded', error: null })
  })

  it('serves River jobs from the cache while the database is cut off, then catches up', async () => {
    const target = new URL(libs.url)
    const proxy = await startTcpProxy(target.hostname, Number(target.port || 5432))
    try {
      const { core } = open('preset: river', 'river', { sourceTuning: { backoff: { baseMs: 50, maxMs: 200 } } }, viaProxy(libs.url, proxy.port))
      const [online] = await core.api['sources.sync']({})
      proxy.cut()
      const [offline] = await core.api['sources.sync']({})
      expect(offline).toMatchObject({ status: 'offline', rows: online?.rows, lastSyncAt: online?.lastSyncAt })
      expect((await core.api['runs.list']({ source: 'river', search: 'account suspended', limit: 10 })).map((r) => r.sourceId)).toEqual([ids.discarded])
      proxy.restore()
      const added = await riverInsert(libs.pool, 'send_invoice', 'billing')
      const [back] = await core.api['sources.sync']({})
      expect(back).toMatchObject({ status: 'online', rows: (online?.rows ?? 0) + 1 })
      expect(mirrored(core, 'river').get(added)).toMatchObject({ job: 'queued' })
    } finally {
      await proxy.close()
    }
  })

  it('reports a state a newer River adds, with where to map it', async () => {
    await expectNewStateReported('river', 'river', 'public.river_job', 'river_job_state', await riverInsert(libs.pool, 'rebuild_search'))
  })

  it('marks a stuck running job discarded, only when enabled: one row, which River cannot undo', async () => {
    const stuck = await riverInsert(libs.pool, 'rebuild_search')
    await riverStart(libs.pool, stuck)
    const disabled = open('preset: river', 'river')
    await disabled.core.api['sources.sync']({})
    await expect(disabled.core.api['sources.markFailed']({ id: `river:${stuck}` })).rejects.toThrow('markFailed is disabled for source river')
    const { core } = open('preset: river\nactions: { markFailed: true }', 'river')
    await core.api['sources.sync']({})
    const result = await core.api['sources.markFailed']({ id: `river:${stuck}` })
    expect(result).toMatchObject({ table: 'public.river_job', sourceId: stuck, rowCount: 1 })
    await riverFinish(libs.pool, stuck, 'completed')
    const { rows } = await libs.pool.query<{ state: string; finalized: boolean }>('SELECT state::text, finalized_at IS NOT NULL AS finalized FROM river_job WHERE id = $1', [stuck])
    expect(rows).toEqual([{ state: 'discarded', finalized: true }])
    expect(mirrored(core, 'river').get(stuck)).toMatchObject({ job: 'failed', run: 'failed' })
  })
})

describe('an Oban source', () => {
  let ids: Awaited<ReturnType<typeof produceObanStates>>
  beforeAll(async () => {
    await createObanTable(libs.pool)
    ids = await produceObanStates(libs.pool)
  })

  it('mirrors every state, shows inserts and updates within one poll, and resumes without duplicates', async () => {
    const { env, core } = open('preset: oban', 'oban')
    const [info] = await core.api['sources.sync']({})
    expect(info).toMatchObject({ status: 'online', rows: 7, queued: 3, running: 1, error: null, index: { indexed: true } })
    const seen = mirrored(core, 'oban')
    expect(seen.get(ids.discarded)).toMatchObject({ job: 'failed', run: 'failed', type: 'oban/MyApp.Workers.Export', lane: 'oban:exports' })
    expect(seen.get(ids.discarded)?.error).toContain('no space left on device')
    expect(seen.get(ids.cancelled)).toMatchObject({ job: 'canceled', run: 'canceled' })
    const executing = core.store.getRun(`oban:${ids.executing}/run`)
    expect(Math.abs(Date.parse(executing.startedAt!) - Date.now())).toBeLessThan(60_000)

    const added = await obanInsert(libs.pool, 'MyApp.Workers.Mailer', 'mailers')
    await obanFinish(libs.pool, ids.executing, 'discarded', '** (RuntimeError) boom')
    await obanStart(libs.pool, ids.available)
    await core.api['sources.sync']({})
    const after = mirrored(core, 'oban')
    expect(after.get(added)).toMatchObject({ job: 'queued', run: null })
    expect(after.get(ids.executing)).toMatchObject({ job: 'failed', error: '** (RuntimeError) boom' })
    expect(after.get(ids.available)).toMatchObject({ job: 'running', run: 'running' })

    await core.close()
    const again = env.open()
    const [resumed] = await again.api['sources.sync']({})
    expect(resumed?.rows).toBe(8)
    expect(again.store.db.prepare(`SELECT count(DISTINCT source_id) AS ids, count(*) AS n FROM jobs WHERE source = 'oban'`).get()).toEqual({ ids: 8, n: 8 })
  })

  it('reports a state a newer Oban adds, with where to map it', async () => {
    await expectNewStateReported('oban', 'oban', 'public.oban_jobs', 'oban_job_state', await obanInsert(libs.pool, 'MyApp.Workers.Mailer', 'mailers'))
  })

  it("ends a job Oban's Pruner deleted before Jobdeck saw it finish: canceled, its run interrupted, saying why", async () => {
    const job = await obanInsert(libs.pool, 'MyApp.Workers.Export', 'exports')
    await obanStart(libs.pool, job)
    const { core } = open('preset: oban', 'oban')
    await core.api['sources.sync']({})
    expect(mirrored(core, 'oban').get(job)).toMatchObject({ job: 'running', run: 'running' })
    await obanFinish(libs.pool, job, 'completed')
    await libs.pool.query(`DELETE FROM oban_jobs WHERE state IN ('completed', 'cancelled', 'discarded') AND id = $1`, [job])
    await core.api['sources.sync']({})
    expect(mirrored(core, 'oban').get(job)).toMatchObject({ job: 'canceled', run: 'interrupted', error: expect.stringContaining('public.oban_jobs no longer has this row') })
  })

  it('refuses markFailed at load, naming the reason', () => {
    const result = parseConfigText(sourceConfig('preset: oban\nactions: { markFailed: true }', libs.url, 'oban'), '/cfg/jobdeck.yaml')
    expect(result.ok ? [] : result.errors.map((e) => e.message)).toEqual([expect.stringMatching(/the oban preset does not offer markFailed: Oban's engine records a job's outcome by id without checking/)])
  })
})

describe('paging a created-ordered table', () => {
  it('loses no row of a bulk insert that shares one created time, across numeric ids 9 and 10', async () => {
    await createSeedTable(libs.pool, 'background_jobs')
    const at = new Date(Date.now() - 60_000)
    await insertBackgroundJobs(libs.pool, Array.from({ length: 30 }, () => ({ job_type: 'report', status: 'pending', created_at: at })))
    const { core } = open('preset: background_jobs', 'legacy', { sourceTuning: { limits: { page: 7 } } })
    const [info] = await core.api['sources.sync']({})
    expect(info?.rows).toBe(30)
    await libs.pool.query('DROP TABLE background_jobs')
  })
})
