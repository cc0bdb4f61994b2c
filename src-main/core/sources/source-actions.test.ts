// What an operator does with a source and what it does by itself: markFailed (opt-in, one row),
// stuck rows flagged once, offline behind a cut connection with the history still there, a
// NOTIFY waking the poll, and the index advice from the poll's own plan.
import { afterEach, describe, expect, it } from 'vitest'
import type { EventMap } from '../../../src-shared/events'
import type { Core } from '../core'
import { createSeedTable, insertBackgroundJobs, placeIn, sourceConfig, useSourceDatabase } from '../test-support/source-tables'
import { startTcpProxy, viaProxy, type TcpProxy } from '../test-support/tcp-proxy'
import { makeTestEnv, waitFor, type TestEnv } from '../test-support/test-env'

const envs: TestEnv[] = []
const db = useSourceDatabase('jobdeck_source_actions', envs)
let proxy: TcpProxy | null = null
afterEach(async () => {
  await proxy?.close()
  proxy = null
})

function open(source: string, options: Parameters<TestEnv['open']>[0] = {}, url = db.url): { env: TestEnv; core: Core; config: string } {
  const config = sourceConfig(source, url)
  const env = makeTestEnv(config)
  envs.push(env)
  return { env, core: env.open(options), config }
}

const ago = (ms: number): Date => new Date(Date.now() - ms)
const statuses = async (): Promise<string[]> => (await db.pool.query<{ s: string }>(`SELECT id || ':' || status AS s FROM background_jobs ORDER BY id`)).rows.map((r) => r.s)

describe('markFailed', () => {
  it('marks exactly the one running row failed, and only when enabled', async () => {
    await createSeedTable(db.pool, 'background_jobs')
    const [stuck, other, done] = await insertBackgroundJobs(db.pool, [
      { job_type: 'report', status: 'running', started_at: ago(7_200_000) },
      { job_type: 'report', status: 'running', started_at: ago(60_000) },
      { job_type: 'report', status: 'completed', started_at: ago(60_000), completed_at: ago(1000) },
    ])
    const disabled = open('preset: background_jobs\npoll: 1h')
    await disabled.core.api['sources.sync']({})
    expect((await disabled.core.api['sources.list']({}))[0]?.actions).toEqual({ markFailed: false })
    await expect(disabled.core.api['sources.markFailed']({ id: `legacy:${stuck}` })).rejects.toThrow(
      `markFailed is disabled for source legacy; enable it with \`actions: { markFailed: true }\` under sources.legacy (${placeIn(disabled.config, 'legacy:')})`,
    )
    expect(await statuses()).toEqual([`${stuck}:running`, `${other}:running`, `${done}:completed`])
    await disabled.core.close()

    const enabled = open('preset: background_jobs\npoll: 1h\nactions: { markFailed: true }')
    await enabled.core.api['sources.sync']({})
    const result = await enabled.core.api['sources.markFailed']({ id: `legacy:${stuck}/run` })
    expect(result).toEqual({ source: 'legacy', table: 'public.background_jobs', sourceId: String(stuck), rowCount: 1 })
    expect(await statuses()).toEqual([`${stuck}:failed`, `${other}:running`, `${done}:completed`])
    const { rows } = await db.pool.query<{ completed_at: Date | null }>(`SELECT completed_at FROM background_jobs WHERE id = $1`, [stuck])
    expect(rows[0]?.completed_at).not.toBeNull()
    // The cache reads the row again at once.
    expect(enabled.core.store.getJob(`legacy:${stuck}`).status).toBe('failed')
    await expect(enabled.core.api['sources.markFailed']({ id: `legacy:${done}` })).rejects.toThrow(`public.background_jobs row ${done} is succeeded, not running`)
    // A row that finished meanwhile in its own table is left alone: the guard names the running value.
    await db.pool.query(`UPDATE background_jobs SET status = 'completed' WHERE id = $1`, [other])
    expect((await enabled.core.api['sources.markFailed']({ id: `legacy:${other}` })).rowCount).toBe(0)
    expect(await statuses()).toEqual([`${stuck}:failed`, `${other}:completed`, `${done}:completed`])
  })
})

describe('stuck rows', () => {
  it('flags a row running past stuckAfter once, with one run.stuck event ever', async () => {
    await createSeedTable(db.pool, 'background_jobs')
    const [old, young] = await insertBackgroundJobs(db.pool, [
      { job_type: 'report', status: 'running', started_at: ago(3_600_000) },
      { job_type: 'report', status: 'running', started_at: ago(1000) },
    ])
    const { core } = open('preset: background_jobs\npoll: 1h\nstuckAfter: 30m')
    const stuck: Array<EventMap['run.stuck']> = []
    core.events.on('run.stuck', (e) => stuck.push(e))
    await core.api['sources.sync']({})
    await core.api['sources.sync']({})
    expect(stuck).toEqual([expect.objectContaining({ runId: `legacy:${old}/run`, source: 'legacy', sourceId: String(old), stuckAfterMs: 1_800_000 })])
    expect(core.store.getRun(`legacy:${old}/run`).stuckAt).not.toBeNull()
    expect(core.store.getRun(`legacy:${young}/run`).stuckAt).toBeNull()
    expect((await core.api['sources.list']({}))[0]).toMatchObject({ running: 2, stuck: 1 })
  })
})

describe('offline', () => {
  it('serves the history from the cache while the source is cut off, then catches up', async () => {
    await createSeedTable(db.pool, 'background_jobs')
    await insertBackgroundJobs(db.pool, [{ job_type: 'report', status: 'failed', started_at: ago(5000), completed_at: ago(4000), error_message: 'disk full' }])
    const target = new URL(db.url)
    proxy = await startTcpProxy(target.hostname, Number(target.port || 5432))
    const { core } = open('preset: background_jobs\npoll: 1h', { sourceTuning: { backoff: { baseMs: 50, maxMs: 200 } } }, viaProxy(db.url, proxy.port))
    const [online] = await core.api['sources.sync']({})
    expect(online?.status).toBe('online')
    proxy.cut()
    const [offline] = await core.api['sources.sync']({})
    expect(offline).toMatchObject({ status: 'offline', rows: 1, lastSyncAt: online?.lastSyncAt })
    expect(offline?.offlineSince).not.toBeNull()
    expect(offline?.error).toMatch(/^legacy: 127\.0\.0\.1:\d+\/\w+ is unreachable: /)
    expect((await core.api['runs.list']({ limit: 10 })).map((r) => r.error)).toEqual(['disk full'])
    proxy.restore()
    await insertBackgroundJobs(db.pool, [{ job_type: 'report', status: 'pending' }])
    const [back] = await core.api['sources.sync']({})
    expect(back).toMatchObject({ status: 'online', offlineSince: null, error: null, rows: 2 })
  })

  it('an unreachable source at start leaves the config valid and shows it offline', async () => {
    const { core } = open('preset: background_jobs\npoll: 1h', {}, 'postgres://postgres@127.0.0.1:1/nowhere')
    const [info] = await core.api['sources.sync']({})
    expect(info).toMatchObject({ status: 'offline', rows: 0, lastSyncAt: null })
    expect(core.config.errors).toEqual([])
  })
})

describe('LISTEN', () => {
  it('a NOTIFY on the listen channel wakes the poll long before the next tick', async () => {
    await createSeedTable(db.pool, 'background_jobs')
    const { core } = open('preset: background_jobs\npoll: 1h\nlisten: jobs_changed', { sources: true })
    // Online: the first poll is done, and it listened before it read.
    await waitFor(() => core.sources.list()[0]?.status === 'online', 20_000, 'the first poll')
    const [id] = await insertBackgroundJobs(db.pool, [{ job_type: 'report', status: 'pending' }])
    await db.pool.query(`NOTIFY jobs_changed`)
    await waitFor(() => core.store.db.prepare(`SELECT 1 FROM jobs WHERE id = ?`).get(`legacy:${id}`), 10_000, 'the row after NOTIFY (the next tick is an hour away)')
  })
})

describe('index advice', () => {
  it('EXPLAIN shows the poll of an indexed table using its index, and an unindexed one reported with the fix', async () => {
    await createSeedTable(db.pool, 'background_jobs')
    const indexed = open('preset: background_jobs\npoll: 1h')
    const [good] = await indexed.core.api['sources.sync']({})
    expect(good?.index).toEqual({ indexed: true, plan: expect.stringMatching(/^(Bitmap )?Index (Only )?Scan using background_jobs_created_at on background_jobs$/), createIndex: null })
    await indexed.core.close()

    await db.pool.query(`DROP INDEX background_jobs_created_at`)
    const bare = open('preset: background_jobs\npoll: 1h')
    const [bad] = await bare.core.api['sources.sync']({})
    expect(bad?.index).toEqual({ indexed: false, plan: 'Seq Scan on background_jobs', createIndex: 'CREATE INDEX CONCURRENTLY ON "public"."background_jobs" ("created_at")' })
    expect((await bare.core.api['sources.test']({ name: 'legacy' })).index?.indexed).toBe(false)
  })
})

describe('config reload', () => {
  it('re-plans a polling source: a new mapping mirrors it again from scratch, a removed source stops', async () => {
    await createSeedTable(db.pool, 'background_jobs')
    await insertBackgroundJobs(db.pool, [{ job_type: 'report', status: 'completed' }, { job_type: 'export', status: 'completed' }])
    const { env, core } = open('preset: background_jobs\npoll: 1h', { sources: true })
    await waitFor(() => core.sources.list()[0]?.rows === 2, 10_000, 'the first poll')
    env.writeConfig(sourceConfig(`preset: background_jobs\npoll: 1h\nwhere: "job_type = 'export'"`, db.url))
    expect((await core.api['config.reload']({})).ok).toBe(true)
    await waitFor(() => core.sources.list()[0]?.rows === 1, 10_000, 'the source mirrored again with its filter')
    expect((await core.api['runs.list']({ limit: 10 })).map((r) => r.type)).toEqual(['legacy/export'])
    env.writeConfig(sourceConfig('preset: background_jobs\npoll: 1h', db.url).replace(/sources:[\s\S]*?jobs:/, 'jobs:').replace(/connections:[\s\S]*?jobs:/, 'jobs:'))
    expect((await core.api['config.reload']({})).ok).toBe(true)
    await waitFor(() => core.sources.list().length === 0, 10_000, 'the source gone')
    await expect(core.api['sources.sync']({ name: 'legacy' })).rejects.toThrow('no source named "legacy"; the config declares: none')
  })
})

describe('the shared database as the default connection', () => {
  it('a source without connection: reads the shared postgres: database of a shared-mode core', async () => {
    await createSeedTable(db.pool, 'background_jobs')
    await insertBackgroundJobs(db.pool, [{ job_type: 'report', status: 'failed', started_at: ago(5000), completed_at: ago(1000), error_message: 'quota' }])
    const url = new URL(db.url)
    if (url.password) process.env.PGPASSWORD = decodeURIComponent(url.password)
    url.password = ''
    const env = makeTestEnv(`postgres: { url: "${url.toString()}" }
sources:
  legacy:
    preset: background_jobs
    poll: 1h
jobs:
  nap: { command: [node, -e, ""] }
`)
    envs.push(env)
    const core = env.open()
    await core.ready()
    expect(core.connection()).toMatchObject({ mode: 'shared', status: 'online' })
    const [info] = await core.api['sources.sync']({})
    expect(info).toMatchObject({ connection: 'postgres', status: 'online', rows: 1, url: expect.stringContaining(`/${db.url.split('/').pop()}`) })
    expect((await core.api['runs.list']({ limit: 10 })).map((r) => [r.type, r.error])).toEqual([['legacy/report', 'quota']])
  })
})
