// The queue libraries' job tables with rows in every state, for the presets' tests: pg-boss through
// the pg-boss package itself; River and Oban from schemas written here after their published
// migration docs, their rows moved the way each library moves them.
import PgBoss from 'pg-boss'
import type pg from 'pg'

type Queryable = Pick<pg.Client, 'query'>

/** How River and Oban end an attempt. */
type Outcome = 'completed' | 'retryable' | 'discarded' | 'cancelled'

// ---------------------------------------------------------------- pg-boss (v10, the package itself)

/** A PgBoss on `url` (in its own `schema`) that does nothing on its own: no maintenance loop, no cron; the test calls maintain(). */
export async function startPgBoss(url: string, schema = 'pgboss'): Promise<PgBoss> {
  const boss = new PgBoss({ connectionString: url, schema, supervise: false, schedule: false, archiveCompletedAfterSeconds: 1, max: 2 })
  boss.on('error', () => {})
  await boss.start()
  return boss
}

export interface PgBossStates {
  queue: string
  /** Still in pgboss.job. */
  created: string
  active: string
  completed: string
  failed: string
  retry: string
  cancelled: string
  /** Moved to pgboss.archive by maintenance: finished, and waited past its retention without running. */
  archivedCompleted: string
  archivedUnstarted: string
}

async function sendAndFetch(boss: PgBoss, queue: string, options: PgBoss.SendOptions = {}): Promise<string> {
  const id = await boss.send(queue, { at: Date.now() }, options)
  const [job] = await boss.fetch(queue)
  if (id === null || job?.id !== id) throw new Error(`pg-boss fetched ${job?.id ?? 'nothing'} instead of ${id ?? 'null'}`)
  return id
}

/**
 * Jobs of `queue` in each state pg-boss has, through its API; two of them old enough for its
 * maintenance to move into the archive (a finished one, and one that waited past its retention).
 */
export async function producePgBossStates(boss: PgBoss, queue = 'reports'): Promise<PgBossStates> {
  await boss.createQueue(queue, { name: queue, retryLimit: 0 })
  const archivedCompleted = await sendAndFetch(boss, queue)
  await boss.complete(queue, archivedCompleted, { rows: 10 })
  const archivedUnstarted = await boss.send(queue, { at: Date.now() }, { retentionSeconds: 1 })
  await new Promise((resolve) => setTimeout(resolve, 1_100))
  await boss.maintain()

  const completed = await sendAndFetch(boss, queue)
  await boss.complete(queue, completed, { rows: 3 })
  const failed = await sendAndFetch(boss, queue)
  await boss.fail(queue, failed, new Error('report generator crashed: disk full'))
  const retry = await sendAndFetch(boss, queue, { retryLimit: 2, retryDelay: 3600 })
  // What fail(name, id, 'text') stores (pg-boss wraps a non-object as {value}); its typings want an object.
  await boss.fail(queue, retry, { value: 'upstream API returned 503' })
  const cancelled = await boss.send(queue, { at: Date.now() })
  if (cancelled === null) throw new Error('pg-boss refused a send')
  await boss.cancel(queue, cancelled)
  const active = await sendAndFetch(boss, queue)
  const created = await boss.send(queue, { at: Date.now() }, { startAfter: 3600 })
  if (created === null || archivedUnstarted === null) throw new Error('pg-boss refused a send')
  return { queue, created, active, completed, failed, retry, cancelled, archivedCompleted, archivedUnstarted }
}

// ---------------------------------------------------------------- River (river_job)

/**
 * river_job as River's migrations leave it (through 006): the state enum, the bigserial id, the
 * attempt bookkeeping, errors as jsonb[], and the indexes River creates for its own fetching,
 * finalised-job cleaning, kind and args/metadata lookups and unique jobs.
 */
export async function createRiverTable(db: Queryable): Promise<void> {
  await db.query(`
    CREATE TYPE river_job_state AS ENUM ('available', 'cancelled', 'completed', 'discarded', 'pending', 'retryable', 'running', 'scheduled');

    -- Unique jobs keep a bitmask of the states in which the key is unique (bit 7 is 'available').
    CREATE FUNCTION river_job_state_in_bitmask(bitmask bit(8), state river_job_state) RETURNS boolean
    LANGUAGE sql IMMUTABLE AS $$
      SELECT get_bit(bitmask, 7 - (array_position(ARRAY['available','cancelled','completed','discarded','pending','retryable','running','scheduled'], state::text) - 1)) = 1
    $$;

    CREATE TABLE river_job (
      id bigserial PRIMARY KEY,
      state river_job_state NOT NULL DEFAULT 'available',
      attempt smallint NOT NULL DEFAULT 0,
      max_attempts smallint NOT NULL,
      attempted_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      finalized_at timestamptz,
      scheduled_at timestamptz NOT NULL DEFAULT now(),
      priority smallint NOT NULL DEFAULT 1,
      args jsonb NOT NULL,
      attempted_by text[],
      errors jsonb[],
      kind text NOT NULL,
      metadata jsonb NOT NULL DEFAULT '{}',
      queue text NOT NULL DEFAULT 'default',
      tags varchar(255)[] NOT NULL DEFAULT '{}',
      unique_key bytea,
      unique_states bit(8),
      CONSTRAINT finalized_or_finalized_at_null CHECK (
        (finalized_at IS NULL AND state NOT IN ('cancelled', 'completed', 'discarded'))
        OR (finalized_at IS NOT NULL AND state IN ('cancelled', 'completed', 'discarded'))),
      CONSTRAINT max_attempts_is_positive CHECK (max_attempts > 0),
      CONSTRAINT priority_in_range CHECK (priority BETWEEN 1 AND 4),
      CONSTRAINT queue_length CHECK (char_length(queue) > 0 AND char_length(queue) < 128),
      CONSTRAINT kind_length CHECK (char_length(kind) > 0 AND char_length(kind) < 128)
    );

    CREATE INDEX river_job_kind ON river_job (kind);
    CREATE INDEX river_job_state_and_finalized_at_index ON river_job (state, finalized_at) WHERE finalized_at IS NOT NULL;
    CREATE INDEX river_job_prioritized_fetching_index ON river_job (state, queue, priority, scheduled_at, id);
    CREATE INDEX river_job_args_index ON river_job USING gin (args);
    CREATE INDEX river_job_metadata_index ON river_job USING gin (metadata);
    CREATE UNIQUE INDEX river_job_unique_idx ON river_job (unique_key)
      WHERE unique_key IS NOT NULL AND unique_states IS NOT NULL AND river_job_state_in_bitmask(unique_states, state);
  `)
}

async function oneId(db: Queryable, sql: string, values: unknown[]): Promise<string> {
  const result = await db.query<{ id: string }>(sql, values)
  const id = result.rows[0]?.id
  if (id === undefined) throw new Error(`no row for ${values.join(', ')}`)
  return String(id)
}

/** A job inserted by a River client: available now, scheduled later, or pending (parked). */
export function riverInsert(db: Queryable, kind: string, queue = 'default', state: 'available' | 'scheduled' | 'pending' = 'available'): Promise<string> {
  return oneId(db, `INSERT INTO river_job (kind, queue, args, max_attempts, state, scheduled_at)
    VALUES ($1, $2, '{}', 25, $3::river_job_state, now() + CASE WHEN $3::text = 'scheduled' THEN interval '1 hour' ELSE interval '0' END) RETURNING id`, [kind, queue, state])
}

/** A producer locks the job for an attempt. */
export async function riverStart(db: Queryable, id: string): Promise<void> {
  await db.query(`UPDATE river_job SET state = 'running', attempt = attempt + 1, attempted_at = now(),
    attempted_by = array_append(attempted_by, 'worker-1') WHERE id = $1`, [id])
}

/** The completer's outcome of the running attempt; an error is appended to `errors` as River records it. */
export async function riverFinish(db: Queryable, id: string, outcome: Outcome, error?: string): Promise<void> {
  const finalized = outcome === 'retryable' ? 'NULL' : 'now()'
  const scheduled = outcome === 'retryable' ? "now() + interval '30 seconds'" : 'scheduled_at'
  await db.query(`UPDATE river_job SET state = $2, finalized_at = ${finalized}, scheduled_at = ${scheduled},
      errors = CASE WHEN $3::text IS NULL THEN errors
        ELSE array_append(errors, jsonb_build_object('at', now(), 'attempt', attempt, 'error', $3::text, 'trace', 'goroutine 1 [running]:'))
      END
    WHERE id = $1 AND state = 'running'`, [id, outcome, error ?? null])
}

// ---------------------------------------------------------------- Oban (oban_jobs)

/**
 * oban_jobs as Oban's migrations leave it (through V13): the state enum, UTC timestamps without
 * time zone, errors as jsonb[], the CHECK constraints, and the indexes Oban creates.
 */
export async function createObanTable(db: Queryable): Promise<void> {
  await db.query(`
    CREATE TYPE oban_job_state AS ENUM ('available', 'scheduled', 'executing', 'retryable', 'completed', 'discarded', 'cancelled');

    CREATE TABLE oban_jobs (
      id bigserial PRIMARY KEY,
      state oban_job_state NOT NULL DEFAULT 'available',
      queue text NOT NULL DEFAULT 'default',
      worker text NOT NULL,
      args jsonb NOT NULL DEFAULT '{}',
      errors jsonb[] NOT NULL DEFAULT ARRAY[]::jsonb[],
      attempt integer NOT NULL DEFAULT 0,
      max_attempts integer NOT NULL DEFAULT 20,
      inserted_at timestamp NOT NULL DEFAULT timezone('UTC', now()),
      scheduled_at timestamp NOT NULL DEFAULT timezone('UTC', now()),
      attempted_at timestamp,
      completed_at timestamp,
      attempted_by text[],
      discarded_at timestamp,
      priority integer NOT NULL DEFAULT 0,
      tags text[] DEFAULT ARRAY[]::text[],
      meta jsonb DEFAULT '{}',
      cancelled_at timestamp,
      CONSTRAINT attempt_range CHECK (attempt >= 0 AND attempt <= max_attempts),
      CONSTRAINT positive_max_attempts CHECK (max_attempts > 0),
      CONSTRAINT queue_length CHECK (char_length(queue) > 0 AND char_length(queue) < 128),
      CONSTRAINT worker_length CHECK (char_length(worker) > 0 AND char_length(worker) < 128),
      CONSTRAINT non_negative_priority CHECK (priority >= 0)
    );
    COMMENT ON TABLE oban_jobs IS '13';

    CREATE INDEX oban_jobs_state_queue_priority_scheduled_at_id_index ON oban_jobs (state, queue, priority, scheduled_at, id);
    CREATE INDEX oban_jobs_args_index ON oban_jobs USING gin (args);
    CREATE INDEX oban_jobs_meta_index ON oban_jobs USING gin (meta);
    CREATE INDEX oban_jobs_state_cancelled_at_index ON oban_jobs (state, cancelled_at);
    CREATE INDEX oban_jobs_state_discarded_at_index ON oban_jobs (state, discarded_at);
  `)
}

/** Oban.insert/1: available now, or scheduled for later. */
export function obanInsert(db: Queryable, worker: string, queue = 'default', state: 'available' | 'scheduled' = 'available'): Promise<string> {
  return oneId(db, `INSERT INTO oban_jobs (worker, queue, args, state, scheduled_at)
    VALUES ($1, $2, '{}', $3::oban_job_state, timezone('UTC', now()) + CASE WHEN $3::text = 'scheduled' THEN interval '1 hour' ELSE interval '0' END) RETURNING id`, [worker, queue, state])
}

/** A queue's producer fetches the job for an attempt. */
export async function obanStart(db: Queryable, id: string): Promise<void> {
  await db.query(`UPDATE oban_jobs SET state = 'executing', attempt = attempt + 1, attempted_at = timezone('UTC', now()),
    attempted_by = ARRAY['node-1', gen_random_uuid()::text] WHERE id = $1`, [id])
}

/** The engine's ack of an attempt, by id as Oban does (no state guard); an error is pushed onto `errors`. */
export async function obanFinish(db: Queryable, id: string, outcome: Outcome, error?: string): Promise<void> {
  const stamp = { completed: 'completed_at', discarded: 'discarded_at', cancelled: 'cancelled_at', retryable: null }[outcome]
  const sets = [
    'state = $2',
    stamp === null ? "scheduled_at = timezone('UTC', now()) + interval '30 seconds'" : `${stamp} = timezone('UTC', now())`,
    "errors = CASE WHEN $3::text IS NULL THEN errors ELSE array_append(errors, jsonb_build_object('attempt', attempt, 'at', timezone('UTC', now()), 'error', $3::text)) END",
  ]
  await db.query(`UPDATE oban_jobs SET ${sets.join(', ')} WHERE id = $1`, [id, outcome, error ?? null])
}

/** A library's own moves of an inserted job: start an attempt, record the attempt's outcome. */
interface LibraryMoves {
  start(db: Queryable, id: string): Promise<void>
  finish(db: Queryable, id: string, outcome: Outcome, error?: string): Promise<void>
}

/** An inserted job taken through its attempts, each started then finished; `running` starts one more. */
async function through(db: Queryable, moves: LibraryMoves, inserted: Promise<string>, attempts: Array<[Outcome, string?]>, running = false): Promise<string> {
  const id = await inserted
  for (const [outcome, error] of attempts) {
    await moves.start(db, id)
    await moves.finish(db, id, outcome, error)
  }
  if (running) await moves.start(db, id)
  return id
}

const RIVER: LibraryMoves = { start: riverStart, finish: riverFinish }
const OBAN: LibraryMoves = { start: obanStart, finish: obanFinish }

/** One River job in each of its states, named by state (ids as text). */
export async function produceRiverStates(db: Queryable): Promise<Record<'available' | 'scheduled' | 'pending' | 'running' | 'retryable' | 'completed' | 'discarded' | 'cancelled', string>> {
  const job = (kind: string, queue: string, attempts: Array<[Outcome, string?]>, running = false) => through(db, RIVER, riverInsert(db, kind, queue), attempts, running)
  return {
    completed: await job('send_invoice', 'billing', [['retryable', 'smtp timeout'], ['completed']]),
    discarded: await job('sync_crm', 'default', [['retryable', 'crm: 429 too many requests'], ['discarded', 'crm: account suspended']]),
    retryable: await job('sync_crm', 'default', [['retryable', 'crm: connection reset']]),
    cancelled: await job('send_invoice', 'billing', [['cancelled', 'JobCancelError: invoice voided']]),
    running: await job('rebuild_search', 'default', [], true),
    available: await riverInsert(db, 'send_invoice', 'billing'),
    scheduled: await riverInsert(db, 'send_invoice', 'billing', 'scheduled'),
    pending: await riverInsert(db, 'rebuild_search', 'default', 'pending'),
  }
}

/** One Oban job in each of its states, named by state (ids as text). */
export async function produceObanStates(db: Queryable): Promise<Record<'available' | 'scheduled' | 'executing' | 'retryable' | 'completed' | 'discarded' | 'cancelled', string>> {
  const job = (worker: string, queue: string, attempts: Array<[Outcome, string?]>, running = false) => through(db, OBAN, obanInsert(db, worker, queue), attempts, running)
  return {
    completed: await job('MyApp.Workers.Mailer', 'mailers', [['retryable', '** (RuntimeError) smtp timeout'], ['completed']]),
    discarded: await job('MyApp.Workers.Export', 'exports', [['discarded', '** (File.Error) could not write /exports/q3.csv: no space left on device']]),
    retryable: await job('MyApp.Workers.Export', 'exports', [['retryable', '** (DBConnection.ConnectionError) connection closed']]),
    cancelled: await job('MyApp.Workers.Mailer', 'mailers', [['cancelled', '{:cancel, :unsubscribed}']]),
    executing: await job('MyApp.Workers.Export', 'exports', [], true),
    available: await obanInsert(db, 'MyApp.Workers.Mailer', 'mailers'),
    scheduled: await obanInsert(db, 'MyApp.Workers.Mailer', 'mailers', 'scheduled'),
  }
}
