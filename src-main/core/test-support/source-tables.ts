// Other systems' job tables with their real shapes (issue 15: the seed apps' background_jobs,
// batch_jobs and processing_jobs), and rows for them: the tests and the benchmarks (1M rows of
// background_jobs) build the same tables.
import pg from 'pg'
import { afterAll, afterEach, beforeAll } from 'vitest'
import { createTestDatabase, type TestDatabase } from './postgres'

const PgPool = pg.Pool

export type SeedTable = 'background_jobs' | 'batch_jobs' | 'processing_jobs'

const DDL: Record<SeedTable, string> = {
  background_jobs: `CREATE TABLE background_jobs (
      id serial PRIMARY KEY,
      job_type varchar(100) NOT NULL,
      status varchar(20) NOT NULL DEFAULT 'pending',
      created_at timestamptz NOT NULL DEFAULT now(),
      started_at timestamptz,
      completed_at timestamptz,
      error_message text)`,
  batch_jobs: `CREATE TABLE batch_jobs (
      batch_id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      status varchar(30) NOT NULL DEFAULT 'PENDING',
      total_reports integer NOT NULL DEFAULT 0,
      successful integer NOT NULL DEFAULT 0,
      failed integer NOT NULL DEFAULT 0,
      results jsonb,
      created_at timestamptz NOT NULL DEFAULT now(),
      processed_at timestamptz,
      updated_at timestamptz NOT NULL DEFAULT now())`,
  processing_jobs: `CREATE TABLE processing_jobs (
      id bigserial PRIMARY KEY,
      data_type text NOT NULL,
      status text NOT NULL DEFAULT 'pending',
      total_items integer,
      items_processed integer NOT NULL DEFAULT 0,
      items_failed integer NOT NULL DEFAULT 0,
      created_at timestamp NOT NULL DEFAULT (now() AT TIME ZONE 'UTC'),
      started_at timestamp,
      completed_at timestamp)`,
}

/** The index each table's poll reads by (the hand-written apps had them, or should have). */
const POLL_INDEX: Record<SeedTable, string> = {
  background_jobs: 'CREATE INDEX background_jobs_created_at ON background_jobs (created_at)',
  batch_jobs: 'CREATE INDEX batch_jobs_updated_at ON batch_jobs (updated_at)',
  processing_jobs: 'CREATE INDEX processing_jobs_created_at ON processing_jobs (created_at)',
}

export async function createSeedTable(db: pg.ClientBase | pg.Pool, table: SeedTable, options: { indexed?: boolean } = {}): Promise<void> {
  await db.query(DDL[table])
  if (options.indexed !== false) await db.query(POLL_INDEX[table])
}

export interface BackgroundJobRow {
  job_type: string
  status: string
  created_at?: Date
  started_at?: Date | null
  completed_at?: Date | null
  error_message?: string | null
}

/** Inserts rows; returns their ids in order. */
export async function insertBackgroundJobs(db: pg.ClientBase | pg.Pool, rows: readonly BackgroundJobRow[]): Promise<number[]> {
  const { rows: ids } = await db.query<{ id: number }>(
    `INSERT INTO background_jobs (job_type, status, created_at, started_at, completed_at, error_message)
     SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::timestamptz[], $5::timestamptz[], $6::text[]) RETURNING id`,
    [
      rows.map((r) => r.job_type),
      rows.map((r) => r.status),
      rows.map((r) => r.created_at ?? new Date()),
      rows.map((r) => r.started_at ?? null),
      rows.map((r) => r.completed_at ?? null),
      rows.map((r) => r.error_message ?? null),
    ],
  )
  return ids.map((r) => r.id)
}

/**
 * `count` finished background_jobs rows spread over the last `days`, made by the server
 * (generate_series): 1M rows in seconds. Every 20th failed with an error, types rotate.
 */
export async function seedBackgroundJobs(db: pg.ClientBase | pg.Pool, count: number, days = 29): Promise<void> {
  await db.query(
    `INSERT INTO background_jobs (job_type, status, created_at, started_at, completed_at, error_message)
     SELECT 'type_' || (i % 12), CASE WHEN i % 20 = 0 THEN 'failed' ELSE 'completed' END,
            t, t + interval '1 second', t + interval '1 second' + (i % 300) * interval '1 second',
            CASE WHEN i % 20 = 0 THEN 'report ' || i || ' failed: upstream timeout' END
       FROM generate_series(1, $1::int) AS i,
            LATERAL (SELECT now() - ($2::float8 * 86400 * (1 - i::float8 / $1)) * interval '1 second' AS t) AS at`,
    [count, days],
  )
  // As an operator's table would be: the planner knows its size (a first backfill this large is a bulk load).
  await db.query('ANALYZE background_jobs')
}

/**
 * `connections:` and `sources:` with one source `legacy` on connection `app` (its lines indented
 * under it). A config file may not hold a password: the test server's goes to PGPASSWORD, as an
 * operator's would.
 */
export function sourceBlock(source: string, url: string, name = 'legacy'): string {
  const parsed = new URL(url)
  if (parsed.password) {
    process.env.PGPASSWORD = decodeURIComponent(parsed.password)
    parsed.password = ''
  }
  return `connections:
  app: { url: "${parsed.toString()}" }
sources:
  ${name}:
    connection: app
${source.replace(/^/gm, '    ').trimEnd()}
`
}

/** `sourceBlock` and a job type: a whole config. */
export function sourceConfig(source: string, url: string, name = 'legacy'): string {
  return `${sourceBlock(source, url, name)}jobs:
  nap: { command: [node, -e, ""] }
`
}

/** `jobdeck.yaml:L:C` of the first `text` in a config (where an error about it must point). */
export function placeIn(config: string, text: string): string {
  const at = config.indexOf(text)
  if (at === -1) throw new Error(`${text} is not in the config`)
  const before = config.slice(0, at).split('\n')
  return `jobdeck.yaml:${before.length}:${(before.at(-1)?.length ?? 0) + 1}`
}

export interface SourceDatabase {
  /** The test database's URL (set in beforeAll). */
  readonly url: string
  /** A small pool on it, for the test to make and change rows. */
  readonly pool: pg.Pool
}

/**
 * A database of its own for a test file's source tables (made before, dropped after), emptied
 * after each test (schema public made anew; `emptyAfterEach: false` keeps a table that a file's
 * tests take through its life), and the data dirs of the test's envs cleaned up.
 */
export function useSourceDatabase(prefix: string, envs: Array<{ cleanup(): void }> = [], options: { emptyAfterEach?: boolean } = {}): SourceDatabase {
  let db: TestDatabase | null = null
  let pool: pg.Pool | null = null
  beforeAll(async () => {
    db = await createTestDatabase(prefix)
    pool = new PgPool({ connectionString: db.url, max: 3 })
  })
  afterAll(async () => {
    await pool?.end()
    await db?.drop()
  })
  afterEach(async () => {
    for (const env of envs.splice(0)) env.cleanup()
    if (options.emptyAfterEach !== false) await pool?.query('DROP SCHEMA public CASCADE; CREATE SCHEMA public')
  })
  return {
    get url() {
      if (!db) throw new Error('the source database is made in beforeAll')
      return db.url
    },
    get pool() {
      if (!pool) throw new Error('the source database is made in beforeAll')
      return pool
    },
  }
}
