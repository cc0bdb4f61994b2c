// The cache sync against a real PostgreSQL database, without the rest of shared mode: what a
// pull reads, in which order, and what it leaves in SQLite.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { postgresRuntimeSchema } from '../../../src-shared/config-schema'
import { PgConnection } from '../store/postgres/pg-connection'
import { migratePg } from '../store/postgres/pg-schema'
import { CacheStore, DEFERRABLE_INDEXES } from '../store/sqlite/cache-store'
import { openDatabase } from '../store/sqlite/open-database'
import { SqliteStore } from '../store/sqlite/sqlite-store'
import { createTestDatabase, type TestDatabase } from '../test-support/postgres'
import { CacheSync } from './cache-sync'

let db: TestDatabase
let conn: PgConnection
const dirs: string[] = []

beforeAll(async () => {
  db = await createTestDatabase('jobdeck_sync')
  conn = new PgConnection({ config: postgresRuntimeSchema.parse({ url: db.url }), source: 'config' })
  const client = await conn.pool.connect()
  await migratePg(client, db.name)
  client.release()
})

afterAll(async () => {
  await conn?.close()
  await db?.drop()
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true })
})

function freshCache(): {
  sqlite: ReturnType<typeof openDatabase>
  store: SqliteStore
  cache: CacheStore
  sync: (batch: number) => CacheSync
  close(): void
} {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jobdeck-sync-test-'))
  dirs.push(dir)
  const sqlite = openDatabase(path.join(dir, 'jobdeck.db'))
  const store = new SqliteStore(sqlite)
  const cache = new CacheStore(sqlite, store)
  return {
    sqlite,
    store,
    cache,
    sync: (batch) => new CacheSync(conn, cache, store, { batch }),
    close() {
      cache.close()
      store.close()
      sqlite.close()
    },
  }
}

async function addJobs(ids: string[], tx: string): Promise<void> {
  await conn.query(
    `INSERT INTO jobdeck.jobs (id, type, params, priority, lane, status, ord, created_at, queued_at, tx)
     SELECT id, 'work', '{}', 0, 'default', 'queued', 0, 0, 0, $2::xid8 FROM unnest($1::text[]) AS id`,
    [ids, tx],
  )
}

describe('CacheSync', () => {
  it('reads rows in numeric transaction order across batches, also where the ids change digits (9 before 10)', async () => {
    // Transaction ids 9 and 10: as text '10' sorts before '9', and a pull ordering by the text
    // would end a batch inside tx 10 and then never read tx 9.
    await addJobs(['a9-1', 'a9-2'], '9')
    await addJobs(['a10-1', 'a10-2', 'a10-3'], '10')
    const cache = freshCache()
    try {
      const result = await cache.sync(2).pull()
      expect(result.jobs).toBe(5)
      const ids = cache.sqlite.prepare('SELECT id FROM jobs ORDER BY id').pluck().all()
      expect(ids).toEqual(['a10-1', 'a10-2', 'a10-3', 'a9-1', 'a9-2'])
    } finally {
      cache.close()
    }
  })

  it('a first pull of several batches drops the deferrable indexes while it loads and builds them again, the same as before', async () => {
    const cache = freshCache()
    const indexes = (): string[] =>
      cache.sqlite
        .prepare(`SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('jobs', 'runs') AND sql IS NOT NULL ORDER BY name`)
        .pluck()
        .all() as string[]
    try {
      const before = indexes()
      const seen: number[] = []
      const sync = new CacheSync(conn, cache.cache, cache.store, {
        batch: 2,
        onProgress: () => seen.push(indexes().length),
      })
      await sync.pull()
      // Fewer indexes while loading, all of them (with the same definitions) afterwards.
      expect(Math.min(...seen)).toBe(before.length - DEFERRABLE_INDEXES.jobs.length)
      expect(indexes()).toEqual(before)
      expect(cache.cache.meta('deferred_indexes')).toBeNull()
    } finally {
      cache.close()
    }
  })

  it('indexes a bulk load dropped are built again when the cache is opened after a crash', () => {
    const cache = freshCache()
    try {
      const count = (): number => cache.sqlite.prepare(`SELECT count(*) FROM sqlite_master WHERE type = 'index'`).pluck().get() as number
      const before = count()
      cache.cache.deferIndexes('runs')
      cache.cache.deferIndexes('jobs')
      expect(count()).toBe(before - DEFERRABLE_INDEXES.runs.length - DEFERRABLE_INDEXES.jobs.length)
      // The process dies here; the next one opens the cache.
      const reopened = new CacheStore(cache.sqlite, cache.store)
      expect(count()).toBe(before)
      expect(reopened.meta('deferred_indexes')).toBeNull()
    } finally {
      cache.close()
    }
  })

  it('no deferrable index is named by INDEXED BY in the store (such a statement would fail while it is missing)', () => {
    const source = fs.readFileSync(new URL('../store/sqlite/sqlite-store.ts', import.meta.url), 'utf8')
    const named = [...source.matchAll(/INDEXED BY (\w+)/g)].map((m) => m[1])
    expect(named.length).toBeGreaterThan(0)
    for (const name of [...DEFERRABLE_INDEXES.jobs, ...DEFERRABLE_INDEXES.runs]) expect(named).not.toContain(name)
  })
})
