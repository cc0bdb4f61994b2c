// Each migration moves the schema from version N-1 to N (`PRAGMA user_version`) and runs in
// one transaction with the version bump, so a crash mid-migration leaves the old schema intact.
// The versions themselves are frozen files under ./migrations/.
import type Database from 'better-sqlite3'
import { JobdeckError } from '../../../../src-shared/errors'
import { MIGRATIONS } from './migrations/index'

export { MIGRATIONS }

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0

export function migrate(db: Database.Database, file: string, target = SCHEMA_VERSION): void {
  const current = db.pragma('user_version', { simple: true }) as number
  if (current > SCHEMA_VERSION) {
    throw new JobdeckError(
      'conflict',
      `${file} has schema version ${current}, newer than this Jobdeck understands (${SCHEMA_VERSION}); ` +
        'upgrade Jobdeck or point it at another data dir (--data-dir)',
    )
  }
  for (const migration of MIGRATIONS) {
    if (migration.version <= current || migration.version > target) continue
    db.transaction(() => {
      // Read again under the write lock: another process opening a new data dir at the same
      // moment (a runner and a CLI command) may have applied it since (it failed with "table
      // … already exists").
      if ((db.pragma('user_version', { simple: true }) as number) >= migration.version) return
      db.exec(migration.sql)
      db.pragma(`user_version = ${migration.version}`)
    }).immediate()
  }
}
