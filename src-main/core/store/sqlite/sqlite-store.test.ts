import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { MIGRATIONS, migrate, SCHEMA_VERSION } from './migrations'
import { openDatabase, type SqliteDatabase } from './open-database'
import { SqliteStore } from './sqlite-store'
import { JobReads } from './job-reads'
import type { ClaimInput, RunCompletion } from '../store-types'

let dir: string
let db: SqliteDatabase
let store: SqliteStore

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jobdeck-store-'))
  db = openDatabase(path.join(dir, 'jobdeck.sqlite'))
  store = new SqliteStore(db)
})

afterEach(() => {
  store.close()
  db.close()
  fs.rmSync(dir, { recursive: true, force: true })
})

const claimInput = (now = Date.now()): ClaimInput => ({
  now,
  runnerId: 'r1',
  concurrency: 10,
  laneLimit: () => 1,
  allowedTypes: ['t'],
})

const completion = (runId: string, outcome: RunCompletion['outcome'] = 'succeeded'): RunCompletion => ({
  runId,
  runnerId: 'r1',
  now: Date.now(),
  outcome,
  exitCode: outcome === 'succeeded' ? 0 : 1,
  signal: null,
  error: outcome === 'succeeded' ? null : 'exit code 1',
  progress: { percent: null, current: null, total: null, message: null },
  itemsOk: null,
  itemsFailed: null,
  retryDelay: () => null,
})

describe('migrations', () => {
  it('migration 1 creates the queue, history, counters and lock tables at user_version 1', () => {
    const fresh = new Database(':memory:')
    const first = MIGRATIONS.find((m) => m.version === 1)
    fresh.exec(first?.sql ?? '')
    const tables = (fresh.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).all() as Array<{ name: string }>).map((t) => t.name)
    expect(tables).toEqual(expect.arrayContaining(['meta', 'jobs', 'runs', 'run_logs', 'job_counts', 'runner_lock']))
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION)
    fresh.close()
  })

  it('migration 2 adds monitoring tables and run usage columns to a version 1 database, keeping its runs', () => {
    const file = path.join(dir, 'v1.sqlite')
    const v1 = new Database(file)
    v1.pragma('journal_mode = WAL')
    migrate(v1, file, 1)
    v1.prepare(`INSERT INTO jobs (id, type, params, priority, lane, status, ord, created_at, queued_at, seq)
      VALUES ('j1', 't', '{}', 0, 'x', 'succeeded', 1, 1, 1, 1)`).run()
    v1.prepare(`INSERT INTO runs (id, job_id, type, lane, params, attempt, status, queued_at, started_at, finished_at, runner_id, seq)
      VALUES ('r1', 'j1', 't', 'x', '{}', 1, 'succeeded', 1, 2, 3, 'old', 1)`).run()
    expect(v1.pragma('user_version', { simple: true })).toBe(1)
    migrate(v1, file, 2)
    expect(v1.pragma('user_version', { simple: true })).toBe(2)
    v1.close()
    const upgraded = openDatabase(file)
    const upgradedStore = new SqliteStore(upgraded)
    const run = upgradedStore.getRun('r1')
    expect(run.status).toBe('succeeded')
    expect([run.peakRssBytes, run.cpuSeconds]).toEqual([null, null])
    const tables = (upgraded.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all() as Array<{ name: string }>).map((t) => t.name)
    expect(tables).toEqual(expect.arrayContaining(['host_samples', 'host_minutes', 'run_usage']))
    upgradedStore.close()
    upgraded.close()
  })

  it('migration 3 indexes existing errors and output for search and builds per-type stats from existing runs', () => {
    const file = path.join(dir, 'v2.sqlite')
    const v2 = new Database(file)
    migrate(v2, file, 2)
    v2.prepare(`INSERT INTO jobs (id, type, params, priority, lane, status, ord, created_at, queued_at, seq)
      VALUES ('j1', 't', '{}', 0, 'x', 'failed', 1, 1, 1, 1)`).run()
    const run = v2.prepare(`INSERT INTO runs (id, job_id, type, lane, params, attempt, status, queued_at, started_at, finished_at, runner_id, seq, error)
      VALUES (?, 'j1', 't', 'x', '{}', ?, ?, 1, ?, ?, 'old', 1, ?)`)
    run.run('r1', 1, 'failed', 1000, 4000, 'exit code 2: warehouse unreachable')
    run.run('r2', 2, 'succeeded', 5000, 6000, null)
    v2.prepare(`INSERT INTO run_logs (run_id, stream, at, text) VALUES ('r2', 'stdout', 1, 'fetched page 4 of 10')`).run()
    v2.close()
    const upgraded = openDatabase(file)
    const upgradedStore = new SqliteStore(upgraded)
    expect(upgraded.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION)
    expect(upgradedStore.listRuns({ limit: 10, search: 'warehouse' }).map((r) => r.id)).toEqual(['r1'])
    expect(upgradedStore.listRuns({ limit: 10, search: 'page 4' }).map((r) => r.id)).toEqual(['r2'])
    const [stats] = upgradedStore.typeStats()
    expect(stats).toMatchObject({ type: 't', runs: 2, succeeded: 1, failed: 1, avgDurationMs: 2000 })
    upgradedStore.close()
    upgraded.close()
  })

  it('migration 5 gives existing runs a count of stopped processes (0), and a finish records it', () => {
    const file = path.join(dir, 'v4.sqlite')
    const v4 = new Database(file)
    migrate(v4, file, 4)
    v4.prepare(`INSERT INTO jobs (id, type, params, priority, lane, status, ord, created_at, queued_at, seq)
      VALUES ('j1', 't', '{}', 0, 'x', 'running', 1, 1, 1, 1)`).run()
    v4.prepare(`INSERT INTO runs (id, job_id, type, lane, params, attempt, status, queued_at, started_at, runner_id, seq)
      VALUES ('r1', 'j1', 't', 'x', '{}', 1, 'running', 1, 1000, 'old', 1)`).run()
    v4.close()
    const upgraded = openDatabase(file)
    const upgradedStore = new SqliteStore(upgraded)
    expect(upgraded.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION)
    expect(upgradedStore.getRun('r1').processesStopped).toBe(0)
    upgradedStore.finish({
      runId: 'r1', runnerId: 'old', now: 2000, outcome: 'succeeded', exitCode: 0, signal: null, error: null,
      progress: { percent: null, current: null, total: null, message: null }, itemsOk: null, itemsFailed: null,
      processesStopped: 200, retryDelay: () => null,
    })
    expect(upgradedStore.getRun('r1')).toMatchObject({ status: 'succeeded', processesStopped: 200 })
    upgradedStore.close()
    upgraded.close()
  })

  it('migration 6 indexes existing jobs by status and time, so jobs.list finds the failures of a day', () => {
    const file = path.join(dir, 'v5.sqlite')
    const v5 = new Database(file)
    migrate(v5, file, 5)
    const insert = v5.prepare(`INSERT INTO jobs (id, type, params, priority, lane, status, ord, created_at, queued_at, finished_at, seq)
      VALUES (?, 't', '{}', 0, 'x', ?, 1, 1, 1, ?, 1)`)
    insert.run('old', 'failed', Date.now() - 3 * 86_400_000)
    insert.run('new', 'failed', Date.now() - 3_600_000)
    insert.run('ok', 'succeeded', Date.now() - 3_600_000)
    v5.close()
    const upgraded = openDatabase(file)
    expect(upgraded.prepare(`SELECT name FROM sqlite_master WHERE name = 'jobs_status_finished'`).get()).toBeTruthy()
    const page = new JobReads(upgraded).list({ status: 'failed', since: Date.now() - 86_400_000, limit: 10, countUpTo: 100 })
    expect(page.jobs.map((j) => j.id)).toEqual(['new'])
    expect(page.count).toBe(1)
    upgraded.close()
  })

  it('migration 7 gives each finished run of a version 6 database one search document keyed by its start, and search reads them newest first', () => {
    const file = path.join(dir, 'v6.sqlite')
    const v6 = new Database(file)
    migrate(v6, file, 6)
    v6.prepare(`INSERT INTO jobs (id, type, params, priority, lane, status, ord, created_at, queued_at, seq)
      VALUES ('j1', 't', '{}', 0, 'x', 'failed', 1, 1, 1, 1)`).run()
    const run = v6.prepare(`INSERT INTO runs (id, job_id, type, lane, params, attempt, status, queued_at, started_at, finished_at, runner_id, seq, error)
      VALUES (?, 'j1', 't', 'x', '{}', ?, ?, 1, ?, ?, 'old', 1, ?)`)
    run.run('r1', 1, 'failed', 1000, 4000, 'exit code 2: warehouse unreachable')
    run.run('r2', 2, 'succeeded', 5000, 6000, null)
    // Started in the same millisecond as r2: the tie goes by id, as the list orders.
    run.run('r3', 3, 'succeeded', 5000, 6000, null)
    run.run('r4', 4, 'running', 7000, null, null)
    const log = v6.prepare(`INSERT INTO run_logs (run_id, stream, at, text) VALUES (?, 'stdout', 1, ?)`)
    log.run('r2', 'synced warehouse north')
    log.run('r3', 'synced warehouse south')
    log.run('r4', 'still looking for the warehouse')
    v6.close()
    const upgraded = openDatabase(file)
    const upgradedStore = new SqliteStore(upgraded)
    expect(upgraded.pragma('user_version', { simple: true })).toBe(7)
    const keys = upgraded.prepare(`SELECT run_id, key >> 21 AS startedAt, key & 2097151 AS tie FROM run_search_keys ORDER BY key`).all()
    expect(keys).toEqual([
      { run_id: 'r1', startedAt: 1000, tie: 0 },
      { run_id: 'r2', startedAt: 5000, tie: 0 },
      { run_id: 'r3', startedAt: 5000, tie: 1 },
    ])
    expect(upgradedStore.listRuns({ limit: 10, search: 'warehouse' }).map((r) => [r.id, r.match?.in])).toEqual([
      ['r4', 'stdout'],
      ['r3', 'stdout'],
      ['r2', 'stdout'],
      ['r1', 'error'],
    ])
    expect(upgradedStore.listRuns({ limit: 10, search: 'warehouse', status: 'succeeded' }).map((r) => r.id)).toEqual(['r3', 'r2'])
    // A run that finishes now gets its document at once, its output included.
    upgradedStore.finish({
      runId: 'r4', runnerId: 'old', now: 8000, outcome: 'failed', exitCode: 1, signal: null, error: 'gave up',
      progress: { percent: null, current: null, total: null, message: null }, itemsOk: null, itemsFailed: null, retryDelay: () => null,
    })
    expect(upgraded.prepare(`SELECT count(*) FROM run_search_keys`).pluck().get()).toBe(4)
    expect(upgradedStore.listRuns({ limit: 10, search: 'looking gave', status: 'failed' })).toEqual([])
    expect(upgradedStore.listRuns({ limit: 10, search: 'looking warehouse', status: 'failed' }).map((r) => r.id)).toEqual(['r4'])
    upgradedStore.close()
    upgraded.close()
  })

  it('refuses a database whose schema is newer than this version knows, and leaves it untouched', () => {
    const file = path.join(dir, 'newer.sqlite')
    const newer = new Database(file)
    newer.pragma(`user_version = ${SCHEMA_VERSION + 1}`)
    newer.close()
    expect(() => openDatabase(file)).toThrow(/schema version \d+, newer than this Jobdeck understands/)
    const check = new Database(file)
    expect(check.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION + 1)
    check.close()
  })

  it('re-opening a migrated database keeps its data', () => {
    store.enqueue([{ id: '01J00000000000000000000001', type: 't', params: { a: 1 }, priority: 'normal', lane: 'x' }], Date.now())
    store.close()
    db.close()
    db = openDatabase(path.join(dir, 'jobdeck.sqlite'))
    store = new SqliteStore(db)
    expect(store.getJob('01J00000000000000000000001').params).toEqual({ a: 1 })
  })
})

describe('SqliteStore', () => {
  it('keeps the per-status counters in step with the jobs table', () => {
    const now = Date.now()
    store.enqueue(
      ['A', 'B', 'C'].map((c, i) => ({ id: `01J0000000000000000000000${c}`, type: 't', params: {}, priority: 'normal' as const, lane: `l${i}` })),
      now,
    )
    const [first] = store.claim(claimInput(now))
    store.finish(completion(first?.run.id ?? ''))
    store.cancel('01J0000000000000000000000C', now)
    const counted = store.counts()
    const actual = db.prepare(`SELECT status, count(*) AS n FROM jobs GROUP BY status`).all() as Array<{ status: string; n: number }>
    for (const { status, n } of actual) expect(counted[status as keyof typeof counted]).toBe(n)
    expect(counted.succeeded + counted.running + counted.canceled + counted.queued).toBe(3)
    store.clearFinished(Date.now() + 1000)
    expect(store.counts().succeeded).toBe(0)
  })

  it('a run can only be finished by the runner that owns it, once', () => {
    store.enqueue([{ id: '01J00000000000000000000001', type: 't', params: {}, priority: 'normal', lane: 'x' }], Date.now())
    const [claimed] = store.claim(claimInput())
    expect(store.finish({ ...completion(claimed?.run.id ?? ''), runnerId: 'someone-else' })).toBeNull()
    expect(store.finish(completion(claimed?.run.id ?? ''))).not.toBeNull()
    expect(store.finish(completion(claimed?.run.id ?? '', 'failed'))).toBeNull()
    expect(store.getRun(claimed?.run.id ?? '').status).toBe('succeeded')
  })

  it('a finish records when the work really started, if the runner knows it, as the shared database does', () => {
    const now = Date.now()
    store.enqueue(
      [
        { id: '01J00000000000000000000001', type: 't', params: {}, priority: 'normal', lane: 'x' },
        { id: '01J00000000000000000000002', type: 't', params: {}, priority: 'normal', lane: 'y' },
      ],
      now,
    )
    const [a, b] = store.claim(claimInput())
    const claimedAt = Date.parse(a?.run.startedAt ?? '')
    store.finish({ ...completion(a?.run.id ?? ''), startedAt: claimedAt + 1234 })
    store.finish(completion(b?.run.id ?? ''))
    expect(Date.parse(store.getRun(a?.run.id ?? '').startedAt)).toBe(claimedAt + 1234)
    expect(store.getRun(b?.run.id ?? '').startedAt).toBe(b?.run.startedAt)
  })

  it('keeps the newest output when a run exceeds its log limit', () => {
    store.enqueue([{ id: '01J00000000000000000000001', type: 't', params: {}, priority: 'normal', lane: 'x' }], Date.now())
    const [claimed] = store.claim(claimInput())
    const runId = claimed?.run.id ?? ''
    for (let batch = 0; batch < 10; batch++) {
      store.appendLogs(
        Array.from({ length: 100 }, (_, i) => ({ runId, stream: 'stdout' as const, at: Date.now(), text: `line ${batch * 100 + i} ${'x'.repeat(40)}` })),
        () => 10_000,
      )
    }
    const lines = store.logs(runId)
    const run = store.getRun(runId)
    expect(run.logTruncated).toBe(true)
    expect(run.logBytes).toBeLessThanOrEqual(10_000)
    expect(lines.at(-1)?.text).toMatch(/^line 999 /)
    expect(lines[0]?.text).not.toMatch(/^line 0 /)
    expect(lines.reduce((sum, l) => sum + Buffer.byteLength(l.text) + 1, 0)).toBe(run.logBytes)
  })

  it('reads the tail of a log, oldest first, with the count of lines before it', () => {
    store.enqueue([{ id: '01J00000000000000000000001', type: 't', params: {}, priority: 'normal', lane: 'x' }], Date.now())
    const [claimed] = store.claim(claimInput())
    const runId = claimed?.run.id ?? ''
    store.appendLogs(Array.from({ length: 50 }, (_, i) => ({ runId, stream: 'stdout' as const, at: Date.now(), text: `line ${i}` })), () => 1e6)
    const tail = store.logTail(runId, 5)
    expect(tail.lines.map((l) => l.text)).toEqual(['line 45', 'line 46', 'line 47', 'line 48', 'line 49'])
    expect(tail.earlier).toBe(45)
    expect(store.logTail(runId, 500).earlier).toBe(0)
  })

  it('pages history by keyset, newest first, without gaps or repeats', () => {
    const base = Date.now()
    for (let i = 0; i < 25; i++) {
      const id = `01J000000000000000000000${String(i).padStart(2, '0')}`
      store.enqueue([{ id, type: 't', params: { i }, priority: 'normal', lane: `l${i}` }], base)
      const [c] = store.claim(claimInput(base + Math.floor(i / 2))) // pairs share a start time
      store.finish(completion(c?.run.id ?? ''))
    }
    const seen: string[] = []
    let before: { startedAt: number; id: string } | undefined
    for (;;) {
      const page = store.listRuns({ limit: 7, ...(before ? { before } : {}) })
      if (page.length === 0) break
      seen.push(...page.map((r) => r.id))
      const last = page.at(-1)
      before = last ? { startedAt: Date.parse(last.startedAt), id: last.id } : undefined
    }
    expect(seen).toHaveLength(25)
    expect(new Set(seen).size).toBe(25)
  })

  it('rejects a duplicate job id without enqueuing any of the batch', () => {
    store.enqueue([{ id: '01J00000000000000000000001', type: 't', params: {}, priority: 'normal', lane: 'x' }], Date.now())
    expect(() =>
      store.enqueue(
        [
          { id: '01J00000000000000000000002', type: 't', params: {}, priority: 'normal', lane: 'x' },
          { id: '01J00000000000000000000001', type: 't', params: {}, priority: 'normal', lane: 'x' },
        ],
        Date.now(),
      ),
    ).toThrow(/already exists/)
    expect(() => store.getJob('01J00000000000000000000002')).toThrow(/no job/)
  })
})

describe('undo of a cancel', () => {
  const job = (c: string, priority: 'normal' | 'urgent' = 'normal') => ({ id: `01J0000000000000000000000${c}`, type: 't', params: {}, priority, lane: 'x' })

  it('puts a job canceled while it waited back in its place, with its priority', () => {
    const now = Date.now()
    store.enqueue([job('A'), job('B', 'urgent'), job('C')], now)
    store.cancel(job('B').id, now + 1)
    store.cancel(job('A').id, now + 2)
    expect(store.listWaiting(10).map((j) => j.id)).toEqual([job('C').id])
    // A retry would queue it at the back; an undo restores the order as it was.
    store.restore(job('A').id)
    store.restore(job('B').id)
    expect(store.listWaiting(10).map((j) => [j.id, j.priority])).toEqual([
      [job('B').id, 'urgent'],
      [job('A').id, 'normal'],
      [job('C').id, 'normal'],
    ])
    expect(store.getJob(job('A').id)).toMatchObject({ status: 'queued', finishedAt: null, error: null })
    expect(store.counts()).toMatchObject({ queued: 3, canceled: 0 })
  })

  it('puts a retrying job back to wait for its retry, with its failure and budget', () => {
    const now = Date.now()
    store.enqueue([job('A')], now)
    const [claimed] = store.claim(claimInput(now))
    store.finish({ ...completion(claimed?.run.id ?? '', 'failed'), now: now + 10, retryDelay: () => 60_000 })
    const retrying = store.getJob(job('A').id)
    store.cancel(job('A').id, now + 20)
    const restored = store.restore(job('A').id)
    expect(restored).toMatchObject({ status: 'retrying', runAfter: retrying.runAfter, failures: 1, error: 'exit code 1' })
  })

  it('refuses a job that was canceled while it ran, or that never was canceled', () => {
    const now = Date.now()
    store.enqueue([job('A'), job('B')], now)
    const [claimed] = store.claim({ ...claimInput(now), concurrency: 1 })
    store.cancel(claimed?.job.id ?? '', now)
    store.finish({ ...completion(claimed?.run.id ?? '', 'canceled'), now: now + 5 })
    expect(() => store.restore(job('A').id)).toThrow(/canceled while it ran; only a job canceled while it waited can be put back/)
    expect(() => store.restore(job('B').id)).toThrow(/is queued/)
  })
})
