// A database stopped at one schema version, then upgraded in a new session, as a newer release
// opening an old data dir or shared database would: what every migration test starts from.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import Database from 'better-sqlite3'
import pg from 'pg'
import { migrate } from '../store/sqlite/migrations'
import { migratePg } from '../store/postgres/pg-schema'
import { createTestDatabase } from './postgres'

export interface SqliteAtVersion {
  readonly file: string
  /** The open connection; a new one after each upgrade. */
  readonly db: Database.Database
  /** Closes the database and opens it again migrated up to `version`. */
  upgradeTo(version: number): void
  /** Closes it (an upgrade by openDatabase() may follow on `file`). */
  close(): void
  dispose(): void
}

function openAt(file: string, version: number): Database.Database {
  const db = new Database(file)
  // As openDatabase() opens it, so cascades and triggers behave as in the app.
  db.pragma('journal_mode = WAL')
  db.pragma('foreign_keys = ON')
  migrate(db, file, version)
  return db
}

/** A SQLite data dir file at `version` (0: an empty file). */
export function sqliteAtVersion(version: number): SqliteAtVersion {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jobdeck-migration-'))
  const file = path.join(dir, 'jobdeck.sqlite')
  let db = openAt(file, version)
  return {
    file,
    get db() {
      return db
    },
    upgradeTo(next) {
      db.close()
      db = openAt(file, next)
    },
    close() {
      if (db.open) db.close()
    },
    dispose() {
      if (db.open) db.close()
      fs.rmSync(dir, { recursive: true, force: true })
    },
  }
}

export interface PgAtVersion {
  readonly url: string
  readonly name: string
  /** The open session; a new one after each upgrade. */
  readonly client: pg.Client
  /** Ends the session and migrates up to `version` in a new one. */
  upgradeTo(version: number): Promise<void>
  /** Another session on the same database, ended by dispose(). */
  connect(): Promise<pg.Client>
  dispose(): Promise<void>
}

async function sessionAt(url: string, name: string, version: number): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  await migratePg(client, name, version)
  return client
}

/** A database of its own on the test server, with the schema `jobdeck` at `version`. */
export async function pgAtVersion(version: number, prefix = 'jobdeck_migration'): Promise<PgAtVersion> {
  const database = await createTestDatabase(prefix)
  let client = await sessionAt(database.url, database.name, version)
  const others: pg.Client[] = []
  return {
    url: database.url,
    name: database.name,
    get client() {
      return client
    },
    async upgradeTo(next) {
      await client.end()
      client = await sessionAt(database.url, database.name, next)
    },
    async connect() {
      const other = new pg.Client({ connectionString: database.url })
      await other.connect()
      others.push(other)
      return other
    },
    async dispose() {
      await Promise.all([client, ...others].map((c) => c.end().catch(() => undefined)))
      await database.drop()
    },
  }
}

/** Queued jobs, oldest first in the order given (columns every PostgreSQL version has). */
export async function pgQueueJobs(client: pg.ClientBase, jobs: ReadonlyArray<{ id: string; lane: string; type?: string }>): Promise<void> {
  const now = Date.now()
  for (const [i, job] of jobs.entries()) {
    await client.query(
      `INSERT INTO jobdeck.jobs (id, type, params, priority, lane, status, ord, created_at, queued_at)
       VALUES ($1, $2, '{}', 0, $3, 'queued', $4, $5, $5)`,
      [job.id, job.type ?? 't', job.lane, now * 1000 + i, now],
    )
  }
}
