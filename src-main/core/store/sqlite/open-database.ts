import fs from 'node:fs'
import path from 'node:path'
import Database from 'better-sqlite3'
import { JobdeckError } from '../../../../src-shared/errors'
import { createPrivateFile, PRIVATE_DIR_MODE } from '../../data-dir'
import { migrate } from './migrations'

export type SqliteDatabase = Database.Database

export interface OpenOptions {
  /** `FULL` (default) makes every committed result survive power loss; `NORMAL` only a crash. */
  synchronous?: 'FULL' | 'NORMAL'
  readonly?: boolean
}

/**
 * The Electron app runs the engine under Electron's ABI; tests and the CLI under Node's. Both
 * builds of better-sqlite3 live side by side and the Electron one is chosen by the launcher.
 */
function nativeBinding(): string | undefined {
  const candidate = process.env.JOBDECK_SQLITE_BINDING
  if (process.versions.electron && candidate && fs.existsSync(candidate)) return candidate
  return undefined
}

export function openDatabase(file: string, options: OpenOptions = {}): SqliteDatabase {
  let db: SqliteDatabase
  try {
    // Made owner-only before SQLite creates it: its -wal and -shm files take its mode.
    if (options.readonly) fs.mkdirSync(path.dirname(file), { recursive: true, mode: PRIVATE_DIR_MODE })
    else createPrivateFile(file)
    const binding = nativeBinding()
    db = new Database(file, binding ? { nativeBinding: binding } : {})
  } catch (error) {
    throw new JobdeckError('unavailable', `cannot open the database ${file}: ${(error as Error).message}`)
  }
  db.pragma('journal_mode = WAL')
  db.pragma(`synchronous = ${options.synchronous ?? 'FULL'}`)
  db.pragma('foreign_keys = ON')
  db.pragma('busy_timeout = 10000')
  // A checkpoint runs inside the commit that crosses the threshold, with an fsync of the WAL and
  // one of the database. Every 40 MB of WAL instead of 4 MB, a busy runner pays for that ten
  // times less often, and pages written by every commit (counters, the newest index leaves) go
  // back to the database once per checkpoint instead of ten times: 2-4% more shared-mode jobs/s.
  db.pragma('wal_autocheckpoint = 10000')
  // A WAL grown past that by one large transaction is cut back after the next checkpoint.
  db.pragma('journal_size_limit = 67108864')
  migrate(db, file)
  return db
}

/** A private in-memory database (scratch work beside a real one: its own connection, never on disk). */
export function openMemoryDatabase(): SqliteDatabase {
  const binding = nativeBinding()
  return new Database(':memory:', binding ? { nativeBinding: binding } : {})
}

/** The SQLite library's version in this process (`3.50.4`), for diagnostics. */
export function sqliteVersion(): string {
  const db = openMemoryDatabase()
  try {
    return String(db.prepare('SELECT sqlite_version()').pluck().get())
  } finally {
    db.close()
  }
}
