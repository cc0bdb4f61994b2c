// The shared-mode schema `jobdeck` in PostgreSQL. Migrations run under a transaction-scoped
// advisory lock, so two instances starting at once never race; an instance refuses a schema
// newer than it knows. Times are epoch milliseconds (bigint): the cache sync reads them as
// numbers without parsing dates. Every row change records its transaction id (`tx`, xid8): the
// cache sync follows it (see cache-sync.ts). The versions are frozen files under ./migrations/.
import type pg from 'pg'
import { JobdeckError } from '../../../../src-shared/errors'
import { PG_MIGRATIONS } from './migrations/index'

export { PG_MIGRATIONS }

const LOCK_KEY = 'jobdeck.migrations'

export const PG_SCHEMA_VERSION = PG_MIGRATIONS[PG_MIGRATIONS.length - 1]?.version ?? 0

/** The schema version recorded in the database, or null when Jobdeck never ran there. */
export async function pgSchemaVersion(client: pg.ClientBase): Promise<number | null> {
  const { rows } = await client.query<{ exists: boolean }>(
    `SELECT to_regclass('jobdeck.schema_version') IS NOT NULL AS exists`,
  )
  if (!rows[0]?.exists) return null
  const version = await client.query<{ version: number }>('SELECT max(version)::int AS version FROM jobdeck.schema_version')
  return version.rows[0]?.version ?? null
}

/**
 * Brings the schema to this build's version. The advisory lock is taken inside the migration
 * transaction: a second instance waits, then finds the work done.
 */
export async function migratePg(client: pg.ClientBase, describe: string, target = PG_SCHEMA_VERSION): Promise<void> {
  await client.query('BEGIN')
  try {
    await client.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [LOCK_KEY])
    await client.query(`CREATE SCHEMA IF NOT EXISTS jobdeck`)
    await client.query(`CREATE TABLE IF NOT EXISTS jobdeck.schema_version (
      version int PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`)
    const current = (await pgSchemaVersion(client)) ?? 0
    if (current > PG_SCHEMA_VERSION) {
      throw new JobdeckError(
        'conflict',
        `the database ${describe} has Jobdeck schema version ${current}, newer than this Jobdeck understands ` +
          `(${PG_SCHEMA_VERSION}); upgrade this Jobdeck, or point it at another database`,
      )
    }
    for (const migration of PG_MIGRATIONS) {
      if (migration.version <= current || migration.version > target) continue
      await client.query(migration.sql)
      await client.query('INSERT INTO jobdeck.schema_version (version, name) VALUES ($1, $2)', [migration.version, migration.name])
    }
    await client.query('COMMIT')
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined)
    throw error
  }
}
