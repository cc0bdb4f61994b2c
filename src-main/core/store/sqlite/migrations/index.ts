// The SQLite cache's schema versions, in order. Each file is one released version, frozen: a
// change to the schema is a new file here (the next number) with its own test beside it, and its
// hash recorded in migrations.test.ts once released.
import { migration0001 } from './0001-queue-and-history'
import { migration0002 } from './0002-resource-monitoring'
import { migration0003 } from './0003-search-and-type-stats'
import { migration0004 } from './0004-cache-and-outbox'
import { migration0005 } from './0005-processes-stopped'
import { migration0006 } from './0006-finished-jobs-index'
import { migration0007 } from './0007-run-search-documents'
import { migration0008 } from './0008-one-finished-jobs-index'
import { migration0009 } from './0009-schedule-fires'
import { migration0010 } from './0010-source-rows'
import { migration0011 } from './0011-alert-outbox'
import { migration0012 } from './0012-start-now'
import { migration0013 } from './0013-concurrency-changes'
import { migration0014 } from './0014-api-tokens'
import { migration0015 } from './0015-audit-log'
import { migration0016 } from './0016-lane-counts'

export interface Migration {
  readonly version: number
  readonly name: string
  readonly sql: string
}

export const MIGRATIONS: ReadonlyArray<Migration> = [
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
  migration0014,
  migration0015,
  migration0016,
]
