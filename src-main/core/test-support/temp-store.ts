// A fresh SQLite data file with its store, for a test; closed and deleted after it.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { openDatabase, type SqliteDatabase } from '../store/sqlite/open-database'
import { SqliteStore } from '../store/sqlite/sqlite-store'

export interface TempStore {
  dir: string
  db: SqliteDatabase
  store: SqliteStore
}

export function openTempStore(prefix: string): TempStore {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix))
  const db = openDatabase(path.join(dir, 'jobdeck.sqlite'))
  return { dir, db, store: new SqliteStore(db) }
}

export function removeTempStore({ dir, db, store }: TempStore): void {
  store.close()
  db.close()
  fs.rmSync(dir, { recursive: true, force: true })
}
