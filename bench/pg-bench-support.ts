// PostgreSQL for the shared-mode benchmarks: JOBDECK_BENCH_PG_URL (default: the local server,
// user postgres) is the admin connection; each measurement gets a fresh database of its own,
// dropped afterwards, so no run sees another's rows, indexes or dead tuples.
import os from 'node:os'
import pg from 'pg'

export const BENCH_PG_URL = process.env.JOBDECK_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'

export interface BenchDatabase {
  url: string
  name: string
  drop(): Promise<void>
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url)
  parsed.pathname = `/${database}`
  return parsed.toString()
}

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: BENCH_PG_URL })
  try {
    await client.connect()
  } catch (error) {
    throw new Error(
      `cannot reach PostgreSQL at ${BENCH_PG_URL} (${(error as Error).message}); set JOBDECK_BENCH_PG_URL to a server where this user may create databases`,
    )
  }
  try {
    return await fn(client)
  } finally {
    await client.end()
  }
}

export async function createBenchDatabase(prefix: string): Promise<BenchDatabase> {
  const name = `${prefix}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`
  await admin((c) => c.query(`CREATE DATABASE ${name}`))
  return {
    url: withDatabase(BENCH_PG_URL, name),
    name,
    drop: () => admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  }
}

/** Runs `fn` against a fresh database and drops it afterwards, whatever happens. */
export async function withBenchDatabase<T>(prefix: string, fn: (db: BenchDatabase) => Promise<T>): Promise<T> {
  const db = await createBenchDatabase(prefix)
  try {
    return await fn(db)
  } finally {
    await db.drop()
  }
}

/** The server's version and the settings that decide commit cost, for the printed header. */
export async function serverSummary(): Promise<string> {
  return admin(async (c) => {
    const { rows } = await c.query<{ v: string; sync: string; commit: string }>(
      `SELECT current_setting('server_version') AS v, current_setting('fsync') AS sync, current_setting('synchronous_commit') AS commit`,
    )
    const row = rows[0]
    // Other work on the machine moves these figures a lot: the load average says how much there was.
    const load = os.loadavg().map((n) => n.toFixed(1)).join(' ')
    return `PostgreSQL ${row?.v ?? '?'} at ${new URL(BENCH_PG_URL).host} (fsync=${row?.sync ?? '?'}, synchronous_commit=${row?.commit ?? '?'}), load average ${load} on ${os.cpus().length} CPUs`
  })
}
