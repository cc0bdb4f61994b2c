import fs from 'node:fs'
import path from 'node:path'
import Database from 'better-sqlite3'
import { JobdeckError } from '../../../../src-shared/errors'
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
  fs.mkdirSync(path.dirname(file), { recursive: true })
  let db: SqliteDatabase
  try {
    const binding = nativeBinding()
    db = new Database(file, binding ? { nativeBinding: binding } : {})
  } catch (error) {
    throw new JobdeckError('unavailable', `cannot open the database ${file}: ${(error as Error).message}`)
  }
  db.pragma('journal_mode = WAL')
  db.pragma(`synchronous = ${options.synchronous ?? 'FULL'}`)
  db.pragma('foreign_keys = ON')
  db.pragma('busy_timeout = 10000')
  migrate(db, file)
  return db
}
