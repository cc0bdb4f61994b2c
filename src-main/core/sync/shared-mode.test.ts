// Shared mode in one process: two instances (each with its own data dir and SQLite cache) on one
// real PostgreSQL database. Multi-process, kill -9 and outage tests are in shared-processes.test.ts.
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import type { Core, CoreOptions } from '../core'
import type { Executor } from '../executors/types'
import { createTestDatabase } from '../test-support/postgres'
import { cachedStatus, useSharedDatabase } from '../test-support/shared-instances'
import { waitFor, type TestEnv } from '../test-support/test-env'
import { startTcpProxy, viaProxy } from '../test-support/tcp-proxy'
import pg from 'pg'

const shared = useSharedDatabase('jobdeck_shared')

const CONFIG = `
lanes:
  wide: { limit: 2 }
jobs:
  quick:
    command: [node, scripts/sleep.js, "{ms}", "{tag}"]
    params:
      ms: { type: integer, default: 20 }
      tag: { type: string, default: "" }
  laned:
    command: [node, scripts/sleep.js, "{ms}"]
    params:
      ms: { type: integer, default: 20 }
      lane: { type: string, required: true }
    lane: "{lane}"
  broken:
    command: [node, scripts/fail.js]
    retries: { max: 1, base: 10ms, jitter: false }
`

function instance(url?: string, extra: Partial<CoreOptions> = {}): { env: TestEnv; open: () => Core } {
  const env = shared.env(CONFIG)
  return { env, open: () => shared.open(env, url ? { postgres: { url, source: 'flag' }, ...extra } : extra) }
}

async function terminal(core: Core, ids: string[], ms = 30_000): Promise<void> {
  await waitFor(
    () => ids.every((id) => ['succeeded', 'partial', 'failed', 'canceled'].includes(cachedStatus(core, id))),
    ms,
    'jobs to finish in the cache',
  )
}

describe('shared mode', () => {
  it('two instances share one queue: a job enqueued on one runs on either, and both caches show the result', async () => {
    const a = instance().open()
    const b = instance().open()
    await Promise.all([a.ready(), b.ready()])
    expect(a.connection().status).toBe('online')
    a.startRunner()
    b.startRunner()
    const jobs = []
    for (let i = 0; i < 12; i++) jobs.push(await (i % 2 ? a : b).api['jobs.enqueue']({ type: 'laned', params: { lane: `l${i % 4}` } }))
    const ids = jobs.map((j) => j.id)
    await terminal(a, ids)
    await terminal(b, ids)
    const runsA = a.store.listRuns({ limit: 100 })
    const runnerIds = new Set(runsA.map((r) => r.runnerId))
    expect(runsA.filter((r) => r.status === 'succeeded')).toHaveLength(12)
    expect(runnerIds.size).toBe(2)
    // Lanes of limit 1 never overlapped, across both runners.
    for (const lane of ['l0', 'l1', 'l2', 'l3']) {
      const spans = runsA.filter((r) => r.lane === lane).map((r) => [Date.parse(r.startedAt), Date.parse(r.finishedAt ?? '')] as const)
      spans.sort((x, y) => x[0] - y[0])
      for (let i = 1; i < spans.length; i++) expect(spans[i]![0]).toBeGreaterThanOrEqual(spans[i - 1]![1])
    }
    const statsB = await b.api['stats.byType']({})
    expect(statsB.find((s) => s.type === 'laned')?.succeeded).toBe(12)
    const status = await a.api['runner.status']({ limit: 10 })
    expect(status.connection.mode).toBe('shared')
    await a.close()
    await b.close()
  })

  it('runs claimed and finished within one batch (an in-process executor) reach the cache in the state PostgreSQL has', async () => {
    // Every second run fails; `broken` retries once. Each result reaches the runner in the turn
    // its claim came back, so the cache writes the claimed run already finished (cache-after-push.ts,
    // whose own test compares that write with the two it replaces).
    let calls = 0
    const instant: Executor = {
      execute: async (ctx) => {
        ctx.onStarted(null)
        const failed = calls++ % 2 === 1
        return { outcome: failed ? 'failed' : 'succeeded', exitCode: failed ? 1 : 0, signal: null, error: failed ? 'instant failure' : null, timedOut: false, itemsOk: null, itemsFailed: null }
      },
    }
    const other = await createTestDatabase('jobdeck_shared_batch')
    try {
      const a = instance(other.url, { executorFor: () => instant, runner: { pollMs: 20 } }).open()
      await a.ready()
      const ids = (await a.api['jobs.enqueueBulk']({ type: 'broken', rows: Array.from({ length: 40 }, () => ({})) })).map((j) => j.id)
      await a.startRunner().whenIdle()
      // The cache is eventually consistent: a pull whose snapshot predates the last finishes can
      // land after them and show a job as it was until the next pull. Catch up (twice: a pull
      // already under way when asked is shared, and its snapshot may be that old one).
      await a.link?.pullNow()
      await a.link?.pullNow()
      const client = new pg.Client({ connectionString: other.url })
      await client.connect()
      try {
        const shared = await client.query<{ id: string; status: string; attempts: number; failures: number; error: string | null }>(
          'SELECT id, status, attempts, failures, error FROM jobdeck.jobs ORDER BY id',
        )
        const sharedRuns = await client.query<{ id: string; status: string; attempt: number; error: string | null }>(
          'SELECT id, status, attempt, error FROM jobdeck.runs ORDER BY id',
        )
        expect(shared.rows.map((r) => r.id)).toEqual([...ids].sort())
        const cachedJobs = shared.rows.map((r) => {
          const job = a.store.getJob(r.id)
          return { id: job.id, status: job.status, attempts: job.attempts, failures: job.failures, error: job.error }
        })
        expect(cachedJobs).toEqual(shared.rows)
        const cachedRuns = a.store.listRuns({ limit: 1000 }).map((r) => ({ id: r.id, status: r.status, attempt: r.attempt, error: r.error }))
        expect(cachedRuns.sort((x, y) => x.id.localeCompare(y.id))).toEqual(sharedRuns.rows)
        const stats = (await a.api['stats.byType']({})).find((s) => s.type === 'broken')
        expect(stats?.runs).toBe(sharedRuns.rows.length)
        expect(stats?.failed).toBe(sharedRuns.rows.filter((r) => r.status === 'failed').length)
      } finally {
        await client.end()
      }
      await a.close()
    } finally {
      await other.drop()
    }
  })

  it('a failure is retried by its policy across the shared queue and fails once for good', async () => {
    const a = instance().open()
    await a.ready()
    a.startRunner()
    const job = await a.api['jobs.enqueue']({ type: 'broken', params: {} })
    await terminal(a, [job.id])
    const detail = await a.api['runs.get']({ id: job.id })
    expect(detail.job.status).toBe('failed')
    expect(detail.attempts.map((r) => r.status)).toEqual(['failed', 'failed'])
    const log = await a.api['runs.log']({ id: detail.run.id, afterId: 0, limit: 100 })
    expect(log.lines.map((l) => l.text).join('\n')).toContain('boom: the API said 503')
    await a.close()
  })

  it('pause is shared: a paused queue starts nothing on any instance until resumed', async () => {
    const a = instance().open()
    const b = instance().open()
    await Promise.all([a.ready(), b.ready()])
    await a.api['runner.pause']({})
    b.startRunner()
    const job = await a.api['jobs.enqueue']({ type: 'quick', params: {} })
    await new Promise((r) => setTimeout(r, 600))
    expect(b.store.findRun(job.id)).toBeNull()
    expect((await b.api['runs.list']({ jobId: job.id, limit: 5 })).length).toBe(0)
    await a.api['runner.resume']({})
    await terminal(b, [job.id])
    await a.close()
    await b.close()
  })

  it('history is served from the cache with --offline semantics (no connection at all)', async () => {
    const { env, open } = instance()
    const a = open()
    await a.ready()
    a.startRunner()
    const job = await a.api['jobs.enqueue']({ type: 'quick', params: { tag: 'cached' } })
    await terminal(a, [job.id])
    await a.close()
    const offline = env.open({ offline: true })
    const runs = await offline.api['runs.list']({ jobId: job.id, limit: 5 })
    expect(runs.map((r) => r.status)).toEqual(['succeeded'])
    expect(offline.connection().mode).toBe('local')
    expect(path.isAbsolute(env.dataDir)).toBe(true)
    await offline.close()
  })

  it('an enqueue made while the database is unreachable waits in the outbox, shows as queued, and reaches the database once when it is back', async () => {
    const target = new URL(shared.db.url)
    const proxy = await startTcpProxy(target.hostname, Number(target.port || 5432))
    const direct = new pg.Client({ connectionString: shared.db.url })
    await direct.connect()
    try {
      const a = instance(viaProxy(shared.db.url, proxy.port)).open()
      await a.ready()
      expect(a.connection().status).toBe('online')
      const states: string[] = []
      a.events.on('connection.changed', ({ connection }) => states.push(connection.status))
      proxy.cut()
      // The first write after the cut finds out; it must not fail the operator's enqueue.
      const job = await a.api['jobs.enqueue']({ type: 'quick', params: { tag: 'offline' } })
      expect(a.connection().status).toBe('offline')
      expect(a.connection().outboxPending).toBe(1)
      expect(a.store.getJob(job.id).status).toBe('queued')
      const count = async (): Promise<number> =>
        (await direct.query<{ n: number }>('SELECT count(*)::int AS n FROM jobdeck.jobs WHERE id = $1', [job.id])).rows[0]?.n ?? -1
      expect(await count()).toBe(0)
      // Cancel needs the database: it says so instead of pretending.
      await expect(a.api['jobs.cancel']({ id: job.id })).rejects.toThrow(/shared database is offline/)

      proxy.restore()
      await waitFor(() => a.connection().status === 'online' && a.connection().outboxPending === 0, 20_000, 'the outbox to be pushed')
      expect(await count()).toBe(1)
      expect(states).toContain('offline')
      a.startRunner()
      await terminal(a, [job.id])
      // The cache shows the result first; the database has it once the outbox is pushed.
      let statuses: string[] = []
      for (let i = 0; i < 100; i++) {
        const runs = await direct.query<{ status: string }>('SELECT status FROM jobdeck.runs WHERE job_id = $1', [job.id])
        statuses = runs.rows.map((r) => r.status)
        if (statuses[0] !== 'running') break
        await new Promise((r) => setTimeout(r, 50))
      }
      expect(statuses).toEqual(['succeeded'])
      await a.close()
    } finally {
      await direct.end()
      await proxy.close()
    }
  })
})
