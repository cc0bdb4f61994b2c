import { afterEach, describe, expect, it } from 'vitest'
import { sqliteAtVersion, type SqliteAtVersion } from '../../../test-support/migration-db'
import { CacheStore } from '../cache-store'
import { openDatabase } from '../open-database'
import { SqliteStore } from '../sqlite-store'
import { terminal } from '../../../model/transitions'

let data: SqliteAtVersion | undefined
afterEach(() => data?.dispose())

/**
 * A version 6 database: a failed run with an error, two runs started in the same millisecond
 * with output, one without error or output, and a run still running.
 */
function withRuns(): SqliteAtVersion {
  const at = sqliteAtVersion(6)
  at.db.prepare(`INSERT INTO jobs (id, type, params, priority, lane, status, ord, created_at, queued_at, seq)
    VALUES ('j1', 't', '{}', 0, 'x', 'failed', 1, 1, 1, 1)`).run()
  const run = at.db.prepare(`INSERT INTO runs (id, job_id, type, lane, params, attempt, status, queued_at, started_at, finished_at, runner_id, seq, error)
    VALUES (?, 'j1', 't', 'x', '{}', ?, ?, 1, ?, ?, 'old', 1, ?)`)
  run.run('r1', 1, 'failed', 1000, 4000, 'exit code 2: warehouse unreachable')
  // r3 is written first but sorts after r2: the tie of one millisecond goes by id, as the list orders.
  run.run('r3', 3, 'succeeded', 5000, 6000, null)
  run.run('r2', 2, 'succeeded', 5000, 6000, null)
  run.run('r4', 4, 'running', 7000, null, null)
  run.run('r5', 5, 'succeeded', 5000, 6000, null)
  const log = at.db.prepare(`INSERT INTO run_logs (run_id, stream, at, text) VALUES (?, 'stdout', 1, ?)`)
  log.run('r2', 'synced warehouse north')
  log.run('r3', 'synced warehouse south')
  log.run('r4', 'still looking for the warehouse')
  return at
}

const names = (db: SqliteAtVersion['db'], type: string): unknown[] =>
  db.prepare(`SELECT name FROM sqlite_master WHERE type = ? ORDER BY name`).pluck().all(type)

describe('SQLite migration 7: one search document per finished run', () => {
  it('keys each finished run with text by its start (ties in id order) and indexes its error and output; a running run or one without text gets none', () => {
    data = withRuns()
    data.upgradeTo(7)
    const { db } = data
    const keys = db.prepare(`SELECT run_id, rowid >> 21 AS startedAt, rowid & 2097151 AS tie FROM run_search ORDER BY rowid`).all()
    expect(keys).toEqual([
      { run_id: 'r1', startedAt: 1000, tie: 0 },
      { run_id: 'r2', startedAt: 5000, tie: 0 },
      { run_id: 'r3', startedAt: 5000, tie: 1 },
    ])
    const found = (query: string): unknown[] =>
      db.prepare(`SELECT run_id FROM run_search WHERE run_search MATCH ? ORDER BY rowid DESC`).pluck().all(query)
    expect(found('{text} : "warehouse"*')).toEqual(['r3', 'r2', 'r1'])
    expect(found('{text} : "unreach"* AND {facets} : "sfailed"')).toEqual(['r1'])
    expect(found('{facets} : "t74"')).toEqual(['r3', 'r2', 'r1'])
  })

  it('drops the per-line and per-error indexes of version 3 and their triggers: a new line or error is indexed once, in its run\'s document', () => {
    data = withRuns()
    data.upgradeTo(6)
    expect(names(data.db, 'table')).toEqual(expect.arrayContaining(['error_fts', 'log_fts']))
    data.upgradeTo(7)
    const { db } = data
    expect((names(db, 'table') as string[]).filter((name) => /error_fts|log_fts/.test(name))).toEqual([])
    expect((names(db, 'trigger') as string[]).filter((name) => /fts/.test(name))).toEqual([])
    db.prepare(`INSERT INTO run_logs (run_id, stream, at, text) VALUES ('r4', 'stdout', 2, 'still no warehouse')`).run()
    db.prepare(`UPDATE runs SET error = 'late correction' WHERE id = 'r2'`).run()
    expect(db.prepare(`SELECT count(*) FROM run_search`).pluck().get()).toBe(3)
  })

  it('a version 6 cache whose bulk load was cut short opens at version 7 with its triggers back, but not those of the dropped indexes', () => {
    data = withRuns()
    data.upgradeTo(6)
    // What CacheStore.beginBulkLoad('runs') of version 6 left: the runs' triggers dropped, their SQL in meta.
    const dropped = data.db
      .prepare(`SELECT type, name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'runs'
        AND name IN ('runs_error_fts_insert', 'runs_error_fts_update', 'runs_error_fts_delete', 'type_stats_insert_finished', 'type_stats_finish', 'type_stats_delete')`)
      .all() as Array<{ type: string; name: string; sql: string }>
    expect(dropped).toHaveLength(6)
    data.db.transaction(() => {
      data?.db.prepare(`INSERT INTO meta (key, value) VALUES ('deferred_indexes', ?), ('deferred_recompute', '["runs"]')`).run(JSON.stringify(dropped))
      for (const entry of dropped) data?.db.exec(`DROP TRIGGER ${entry.name}`)
    })()
    data.close()
    const upgraded = openDatabase(data.file)
    const store = new SqliteStore(upgraded)
    const cache = new CacheStore(upgraded, store)
    try {
      expect(names(upgraded, 'trigger')).toEqual(expect.arrayContaining(['type_stats_insert_finished', 'type_stats_finish', 'type_stats_delete']))
      expect((names(upgraded, 'trigger') as string[]).filter((name) => /fts/.test(name))).toEqual([])
      expect(cache.meta('deferred_indexes')).toBeNull()
      // A mirrored failed run with an error is written, counted and found.
      upgraded.prepare(`INSERT INTO runs (id, job_id, type, lane, params, attempt, status, queued_at, started_at, finished_at, runner_id, seq, error)
        VALUES ('r6', 'j1', 't', 'x', '{}', 6, 'failed', 1, 9000, 9500, 'other', 2, 'exit code 1: warehouse gone')`).run()
      expect(store.listRuns({ limit: 10, search: 'warehouse', status: 'failed' }).map((r) => r.id)).toEqual(['r6', 'r1'])
      expect(store.typeStats().find((s) => s.type === 't')?.runs).toBe(5)
    } finally {
      cache.close()
      store.close()
      upgraded.close()
    }
  })

  it('a version 6 data dir opened by the current store searches newest first, and a run finishing now gets its document', () => {
    data = withRuns()
    data.close()
    const upgraded = openDatabase(data.file)
    const store = new SqliteStore(upgraded)
    try {
      expect(upgraded.pragma('user_version', { simple: true })).toBeGreaterThanOrEqual(7)
      expect(store.listRuns({ limit: 10, search: 'warehouse' }).map((r) => [r.id, r.match?.in])).toEqual([
        ['r4', 'stdout'],
        ['r3', 'stdout'],
        ['r2', 'stdout'],
        ['r1', 'error'],
      ])
      expect(store.listRuns({ limit: 10, search: 'warehouse', status: 'succeeded' }).map((r) => r.id)).toEqual(['r3', 'r2'])
      store.finish({
        runId: 'r4', runnerId: 'old', now: 8000, outcome: 'failed', exitCode: 1, signal: null, error: 'gave up',
        progress: { percent: null, current: null, total: null, message: null }, itemsOk: null, itemsFailed: null, transition: terminal('failed', 1, 8000, 'gave up'),
      })
      expect(upgraded.prepare(`SELECT count(*) FROM run_search`).pluck().get()).toBe(4)
      // Its words are on two lines (error, output): not a match, as before.
      expect(store.listRuns({ limit: 10, search: 'looking gave', status: 'failed' })).toEqual([])
      expect(store.listRuns({ limit: 10, search: 'looking warehouse', status: 'failed' }).map((r) => r.id)).toEqual(['r4'])
    } finally {
      store.close()
      upgraded.close()
    }
  })
})
