// The queue libraries' presets against their real tables: pg-boss's own (built by the pg-boss
// package), River's and Oban's (built from their migration docs). Each preset's columns exist,
// every state the library has means something, rows in every state read as an operator expects,
// and the polls' shapes have an index to use (or the advice gives one that works).
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { SourceMeaning } from '../../../src-shared/sources'
import { createTestDatabase, type TestDatabase } from '../test-support/postgres'
import { createObanTable, createRiverTable, produceObanStates, producePgBossStates, produceRiverStates, riverFinish, startPgBoss, type PgBossStates } from '../test-support/queue-library-tables'
import type { PresetShape } from './preset'
import { obanPreset, pgBossPreset, riverPreset } from './queue-library-presets'

interface ReadRow {
  id: string
  type: string
  lane: string
  meaning: SourceMeaning | undefined
  status: string
  created: Date | null
  started: Date | null
  finished: Date | null
  error: string | null
}

function withSchema(sql: string, schema: string): string {
  return sql.replaceAll('{schema}', `"${schema}"`)
}

function fromItem(preset: PresetShape): string {
  const [schema = 'public', table = ''] = preset.table.split('.')
  return preset.from === undefined ? `"${schema}"."${table}"` : `(${withSchema(preset.from, schema)}) AS src`
}

/** Every row as the preset maps it: the SELECT a poll makes, without its WHERE. */
async function readThrough(db: pg.Client, preset: PresetShape): Promise<Map<string, ReadRow>> {
  const c = preset.columns
  const { rows } = await db.query<Omit<ReadRow, 'meaning'>>(`
    SELECT (${c.id})::text AS id, (${c.type})::text AS type, (${c.lane})::text AS lane, (${c.status})::text AS status,
      ${c.created} AS created, ${c.started} AS started, ${c.finished} AS finished, (${c.error})::text AS error
    FROM ${fromItem(preset)}`)
  return new Map(rows.map((row) => [row.id, { ...row, meaning: preset.statuses[row.status] }]))
}

async function columnsOf(db: pg.Client, qualified: string): Promise<string[]> {
  const [schema, table] = qualified.split('.')
  const { rows } = await db.query<{ column_name: string }>(
    'SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2',
    [schema, table],
  )
  return rows.map((r) => r.column_name)
}

async function enumLabels(db: pg.Client, type: string): Promise<string[]> {
  const { rows } = await db.query<{ label: string }>('SELECT unnest(enum_range(NULL::' + type + '))::text AS label')
  return rows.map((r) => r.label)
}

interface PlanNode {
  'Node Type': string
  'Relation Name'?: string
  'Index Name'?: string
  'Index Cond'?: string
  Plans?: PlanNode[]
}

/**
 * The relations a statement reads without an index condition (a Seq Scan, or a whole index read
 * as a filter). Sequential scans are disabled first, so on a test's few rows the plan shows
 * whether an index *can* serve the poll, as it would on a large table.
 */
async function scansWithoutIndex(db: pg.Client, sql: string, params: unknown[]): Promise<string[]> {
  await db.query('SET enable_seqscan = off')
  try {
    const { rows } = await db.query<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>(`EXPLAIN (FORMAT JSON) ${sql}`, params)
    const unindexed: string[] = []
    const walk = (node: PlanNode): void => {
      if (node['Relation Name'] !== undefined && node['Index Cond'] === undefined && node['Node Type'] !== 'Bitmap Heap Scan') {
        unindexed.push(`${node['Node Type']} on ${node['Relation Name']}`)
      }
      if (node['Node Type'] === 'Bitmap Index Scan' && node['Index Cond'] === undefined) unindexed.push(`${node['Node Type']} ${node['Index Name'] ?? ''}`)
      for (const child of node.Plans ?? []) walk(child)
    }
    walk(rows[0]!['QUERY PLAN'][0]!.Plan)
    return unindexed
  } finally {
    await db.query('RESET enable_seqscan')
  }
}

function pollSql(preset: PresetShape): { newRows: string; reread: string; backfill: string } {
  const c = preset.columns
  const by = preset.newRowsBy === 'id' ? c.id : c.created
  return {
    newRows: `SELECT ${c.id} FROM ${fromItem(preset)} WHERE ${by} > $1 ORDER BY ${by} LIMIT 500`,
    // The unfinished rows mirrored last time, bounded by their oldest creation so a created index serves it.
    reread: `SELECT ${c.id} FROM ${fromItem(preset)} WHERE ${c.created} >= $1 AND ${c.id} = ANY($2)`,
    backfill: preset.newRowsBy === 'id'
      ? `SELECT ${c.id} FROM ${fromItem(preset)} WHERE ${c.id} > $1 AND ${c.created} >= $2 ORDER BY ${c.id} LIMIT 500`
      : `SELECT ${c.id} FROM ${fromItem(preset)} WHERE ${c.created} >= $1 ORDER BY ${c.created} LIMIT 500`,
  }
}

/** Every column the preset reads is in its tables, and every value of the library's state enum has a meaning. */
async function expectPresetFits(preset: PresetShape, stateType: string): Promise<void> {
  const [schema = 'public'] = preset.table.split('.')
  const tables: Array<[string, readonly string[]]> = [[preset.table, preset.requires], ...Object.entries(preset.alsoRequires ?? {})]
  for (const [table, columns] of tables) {
    expect(await columnsOf(db, table.replace('{schema}', schema))).toEqual(expect.arrayContaining([...columns]))
  }
  const labels = await enumLabels(db, stateType)
  expect(labels.filter((label) => preset.statuses[label] === undefined)).toEqual([])
}

/** River and Oban: ids only grow, so every poll shape reads by the primary key, with no advice needed. */
async function expectPrimaryKeyPolls(preset: PresetShape, unfinished: string[]): Promise<void> {
  const sql = pollSql(preset)
  const since = new Date(Date.now() - 86_400_000)
  expect(await scansWithoutIndex(db, sql.newRows, [0])).toEqual([])
  expect(await scansWithoutIndex(db, sql.reread, [since, unfinished])).toEqual([])
  expect(await scansWithoutIndex(db, sql.backfill, [0, since])).toEqual([])
}

let testDb: TestDatabase
let db: pg.Client

beforeAll(async () => {
  testDb = await createTestDatabase('jobdeck_presets')
  db = new pg.Client({ connectionString: testDb.url })
  await db.connect()
  await db.query("SET TIME ZONE 'UTC'")
})

afterAll(async () => {
  await db?.end()
  await testDb?.drop()
})

describe('pg-boss preset, on the tables the pg-boss package creates', () => {
  let states: PgBossStates
  let stop: () => Promise<void>

  beforeAll(async () => {
    const boss = await startPgBoss(testDb.url)
    stop = () => boss.stop({ graceful: false, wait: true, close: true })
    states = await producePgBossStates(boss)
  })
  afterAll(async () => stop?.())

  it('finds every column it reads in pgboss.job and pgboss.archive, and gives every pg-boss state a meaning', async () => {
    await expectPresetFits(pgBossPreset, 'pgboss.job_state')
  })

  it('reads each job once, whether pg-boss keeps it in its job table or has archived it', async () => {
    const rows = await readThrough(db, pgBossPreset)
    expect(rows.size).toBe(8)
    const seen = (id: string) => rows.get(id)
    expect(seen(states.created)).toMatchObject({ meaning: 'queued', type: 'reports', lane: 'reports', started: null, error: null })
    expect(seen(states.active)).toMatchObject({ meaning: 'running', finished: null })
    expect(seen(states.active)?.started).toBeInstanceOf(Date)
    expect(seen(states.completed)).toMatchObject({ meaning: 'succeeded', error: null })
    expect(seen(states.failed)).toMatchObject({ meaning: 'failed', error: 'report generator crashed: disk full' })
    expect(seen(states.failed)?.finished).toBeInstanceOf(Date)
    // failed once, waiting an hour for its second attempt: queued again, its last error kept
    expect(seen(states.retry)).toMatchObject({ meaning: 'queued', status: 'retry', error: 'upstream API returned 503', finished: null })
    expect(seen(states.cancelled)).toMatchObject({ meaning: 'canceled', started: null })
    expect(seen(states.archivedCompleted)).toMatchObject({ meaning: 'succeeded', error: null })
    expect(seen(states.archivedCompleted)?.finished).toBeInstanceOf(Date)
    // waited past its retention without running: archived by pg-boss, never to run
    expect(seen(states.archivedUnstarted)).toMatchObject({ meaning: 'canceled', status: 'archived_unstarted', started: null })
    const archived = await db.query<{ id: string }>('SELECT id::text FROM pgboss.archive')
    expect(archived.rows.map((r) => r.id).sort()).toEqual([states.archivedCompleted, states.archivedUnstarted].sort())
  })

  it('scans both tables until the advised indexes exist, and then polls by them', async () => {
    const sql = pollSql(pgBossPreset)
    const since = new Date(Date.now() - 86_400_000)
    const before = await scansWithoutIndex(db, sql.newRows, [since])
    expect(before).toEqual(expect.arrayContaining(['Seq Scan on archive', expect.stringMatching(/^Seq Scan on j[0-9a-f]{56}$/)]))
    for (const statement of pgBossPreset.indexAdvice ?? []) await db.query(withSchema(statement, 'pgboss'))
    expect(await scansWithoutIndex(db, sql.newRows, [since])).toEqual([])
    expect(await scansWithoutIndex(db, sql.reread, [since, [states.active, states.retry]])).toEqual([])
    expect(await scansWithoutIndex(db, sql.backfill, [since])).toEqual([])
  })

  it('refuses markFailed, saying why', () => {
    expect(pgBossPreset.markFailed).toBeUndefined()
    expect(pgBossPreset.markFailedRefused).toMatch(/expire.*boss\.fail/s)
  })
})

describe('River preset, on river_job as its migrations describe it', () => {
  let ids: Awaited<ReturnType<typeof produceRiverStates>>
  beforeAll(async () => {
    await createRiverTable(db)
    ids = await produceRiverStates(db)
  })

  it('finds every column it reads, and gives every River state a meaning', async () => {
    await expectPresetFits(riverPreset, 'river_job_state')
  })

  it('reads kind as the type, queue as the lane, and the last attempt error of an unsuccessful job', async () => {
    const rows = await readThrough(db, riverPreset)
    expect(rows.size).toBe(8)
    for (const state of ['available', 'scheduled', 'pending', 'retryable'] as const) expect(rows.get(ids[state])?.meaning).toBe('queued')
    expect(rows.get(ids.running)).toMatchObject({ meaning: 'running', type: 'rebuild_search', lane: 'default', finished: null, error: null })
    expect(rows.get(ids.running)?.started).toBeInstanceOf(Date)
    // failed once, then succeeded: the old error is history, not this job's error
    expect(rows.get(ids.completed)).toMatchObject({ meaning: 'succeeded', type: 'send_invoice', lane: 'billing', error: null })
    expect(rows.get(ids.discarded)).toMatchObject({ meaning: 'failed', error: 'crm: account suspended' })
    expect(rows.get(ids.discarded)?.finished).toBeInstanceOf(Date)
    expect(rows.get(ids.retryable)).toMatchObject({ meaning: 'queued', error: 'crm: connection reset' })
    expect(rows.get(ids.cancelled)).toMatchObject({ meaning: 'canceled', error: 'JobCancelError: invoice voided' })
  })

  it('polls new rows, re-reads and backfills by the primary key River already has', async () => {
    await expectPrimaryKeyPolls(riverPreset, [ids.running, ids.retryable])
  })

  it('marks a stuck running job discarded within River\'s constraints, and River\'s late completion cannot undo it', async () => {
    const mark = riverPreset.markFailed!
    const update = `UPDATE river_job SET state = $2, ${mark.finishedColumn} = now() WHERE id = $1 AND state = $3`
    expect((await db.query(update, [ids.available, mark.failed, mark.running])).rowCount).toBe(0)
    expect((await db.query(update, [ids.running, mark.failed, mark.running])).rowCount).toBe(1)
    await riverFinish(db, ids.running, 'completed')
    const rows = await readThrough(db, riverPreset)
    expect(rows.get(ids.running)).toMatchObject({ status: 'discarded', meaning: 'failed' })
    expect(rows.get(ids.running)?.finished).toBeInstanceOf(Date)
  })
})

describe('Oban preset, on oban_jobs as its migrations describe it', () => {
  let ids: Awaited<ReturnType<typeof produceObanStates>>
  beforeAll(async () => {
    await createObanTable(db)
    ids = await produceObanStates(db)
  })

  it('finds every column it reads, and gives every Oban state a meaning', async () => {
    await expectPresetFits(obanPreset, 'oban_job_state')
  })

  it('reads worker as the type, queue as the lane, the finish of whichever way it ended, and UTC times as UTC', async () => {
    const rows = await readThrough(db, obanPreset)
    expect(rows.size).toBe(7)
    for (const state of ['available', 'scheduled', 'retryable'] as const) expect(rows.get(ids[state])?.meaning).toBe('queued')
    const executing = rows.get(ids.executing)
    expect(executing).toMatchObject({ meaning: 'running', type: 'MyApp.Workers.Export', lane: 'exports', finished: null })
    expect(Math.abs(executing!.started!.getTime() - Date.now())).toBeLessThan(60_000)
    expect(rows.get(ids.completed)).toMatchObject({ meaning: 'succeeded', error: null })
    expect(rows.get(ids.discarded)).toMatchObject({ meaning: 'failed', error: expect.stringContaining('no space left on device') })
    expect(rows.get(ids.retryable)).toMatchObject({ meaning: 'queued', error: expect.stringContaining('connection closed') })
    expect(rows.get(ids.cancelled)).toMatchObject({ meaning: 'canceled', error: '{:cancel, :unsubscribed}' })
    for (const state of ['completed', 'discarded', 'cancelled'] as const) expect(rows.get(ids[state])?.finished).toBeInstanceOf(Date)
  })

  it('polls new rows, re-reads and backfills by the primary key Oban already has', async () => {
    await expectPrimaryKeyPolls(obanPreset, [ids.executing])
  })

  it('refuses markFailed, saying why', () => {
    expect(obanPreset.markFailed).toBeUndefined()
    expect(obanPreset.markFailedRefused).toMatch(/without checking.*Oban\.cancel_job/s)
  })
})
