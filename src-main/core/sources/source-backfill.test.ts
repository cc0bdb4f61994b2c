// A first backfill is a bulk load: what it defers (indexes, counters, search documents) must all
// be back and right when it ends, as if every row had been written one by one.
import pg from 'pg'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { DEFERRABLE_INDEXES, DEFERRABLE_TRIGGERS } from '../store/sqlite/cache-store'
import { createTestDatabase, type TestDatabase } from '../test-support/postgres'
import { createSeedTable, insertBackgroundJobs, seedBackgroundJobs, sourceConfig } from '../test-support/source-tables'
import { makeTestEnv, type TestEnv } from '../test-support/test-env'

let db: TestDatabase
let pool: pg.Pool
const envs: TestEnv[] = []

beforeAll(async () => {
  db = await createTestDatabase('jobdeck_backfill')
  pool = new pg.Pool({ connectionString: db.url, max: 2 })
})
afterAll(async () => {
  await pool.end()
  await db.drop()
})
afterEach(async () => {
  for (const env of envs.splice(0)) env.cleanup()
  await pool.query('DROP SCHEMA public CASCADE; CREATE SCHEMA public')
})

describe('the first backfill of a source', () => {
  it('leaves every deferred index and trigger in place, and counters, stats and search as a row-by-row write would', async () => {
    await createSeedTable(pool, 'background_jobs')
    await seedBackgroundJobs(pool, 5_000, 3)
    const env = makeTestEnv(sourceConfig('preset: background_jobs\npoll: 1h', db.url))
    envs.push(env)
    // A bulk load from 1,000 rows (50,000 by default), so these 5,000 take that path.
    const core = env.open({ sourceTuning: { limits: { bulkFrom: 1_000 } } })
    await core.api['sources.sync']({ name: 'legacy' })
    const sql = core.store.db
    const present = new Set((sql.prepare(`SELECT name FROM sqlite_master WHERE type IN ('index','trigger')`).all() as Array<{ name: string }>).map((r) => r.name))
    for (const name of [...Object.values(DEFERRABLE_INDEXES), ...Object.values(DEFERRABLE_TRIGGERS)].flat()) expect(present, name).toContain(name)
    expect(sql.prepare(`SELECT value FROM meta WHERE key IN ('deferred_indexes','deferred_recompute')`).all()).toEqual([])

    // Counters as the rows say.
    const counted = sql.prepare(`SELECT type, status, count(*) AS n FROM jobs NOT INDEXED WHERE source = 'legacy' GROUP BY type, status ORDER BY type, status`).all()
    expect(sql.prepare(`SELECT type, status, n FROM job_counts WHERE type LIKE 'legacy/%' AND n > 0 ORDER BY type, status`).all()).toEqual(counted)
    const stats = await core.api['stats.byType']({})
    const failedRows = (await pool.query<{ n: string }>(`SELECT count(*) AS n FROM background_jobs WHERE status = 'failed'`)).rows[0]?.n
    expect(stats.filter((s) => s.type.startsWith('legacy/')).reduce((sum, s) => sum + s.failed, 0)).toBe(Number(failedRows))
    // The failures' errors are found by search.
    const found = await core.api['runs.list']({ search: 'upstream timeout', limit: 10_000 })
    expect(found.length).toBe(Number(failedRows))

    // Rows after the backfill are written one by one, with events, and counted at once.
    await insertBackgroundJobs(pool, [{ job_type: 'type_1', status: 'failed', started_at: new Date(), completed_at: new Date(), error_message: 'disk quota exceeded' }])
    await core.api['sources.sync']({ name: 'legacy' })
    expect((await core.api['runs.list']({ search: 'quota', limit: 10 })).map((r) => r.type)).toEqual(['legacy/type_1'])
    // type_1 never failed in the seed (every 20th row fails, and 20·k mod 12 is 0, 4 or 8).
    expect(sql.prepare(`SELECT n FROM job_counts WHERE type = 'legacy/type_1' AND status = 'failed'`).get()).toEqual({ n: 1 })
  })
})
