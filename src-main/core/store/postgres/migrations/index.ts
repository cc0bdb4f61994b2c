// The PostgreSQL schema `jobdeck`'s versions, in order. Each file is one released version, frozen,
// with every function it creates written out in full: a function changed later is created again
// by a new version, never by editing an old one (a database migrated step by step would keep the
// old text while a fresh one got the new). A change is a new file here (the next number) with its
// own test beside it, and its hash recorded in migrations.test.ts once released.
import { migration0001 } from './0001-shared-queue-and-history'
import { migration0002 } from './0002-counter-shards-per-backend'
import { migration0003 } from './0003-finish-and-claim'
import { migration0004 } from './0004-batched-finish-and-claim'
import { migration0005 } from './0005-processes-stopped-and-rescue-by-id'
import { migration0006 } from './0006-finish-applies-the-runners-decision'
import { migration0007 } from './0007-lane-limit-in-plpgsql'
import { migration0008 } from './0008-schedule-fires'
import { migration0009 } from './0009-alert-keys'
import { migration0010 } from './0010-lane-rates-and-start-now'
import { migration0011 } from './0011-retention-deletes'
import { migration0012 } from './0012-api-tokens'
import { migration0013 } from './0013-audit-log'

export interface PgMigration {
  readonly version: number
  readonly name: string
  readonly sql: string
}

export const PG_MIGRATIONS: ReadonlyArray<PgMigration> = [
  migration0001,
  migration0002,
  migration0003,
  migration0004,
  migration0005,
  migration0006,
  migration0007,
  migration0008,
  migration0009,
  migration0010,
  migration0011,
  migration0012,
  migration0013,
]
