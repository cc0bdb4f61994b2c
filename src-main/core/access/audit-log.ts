// The audit log (issue 17): dispatch hands it every call that changes something, allowed or
// refused, and the scheduler every fire that enqueued a job; audit.list reads it back.
//
// Durable before dispatch answers: the record is inserted in a relaxed commit (no fsync of its
// own) and `record` resolves once the WAL is flushed by the shared group fsync (CacheStore.durable,
// on libuv's thread pool): calls recording at the same time share one flush, and the event loop
// never waits for the disk. A kill -9 after the answer finds the record; so does power loss.
//
// Shared mode: every instance's records live in PostgreSQL. A record is written to the SQLite
// file first, `pending`, then pushed (inserted by its id, so a push repeated after a crash or by
// two processes on one data dir inserts once) and marked pushed. A push that fails leaves it
// pending; the next connection (this process's reconnect, or any later process on this data
// dir) pushes what is owed, oldest first.
import type { AuditRecord } from '../../../src-shared/access'
import { newId } from '../ids'
import type { AuditFilter } from '../store/audit-rows'
import type { PgAudit } from '../store/postgres/pg-audit'
import type { AuditStore } from '../store/sqlite/audit-store'
import { auditRecord, type AuditContext } from './audit-record'
import type { AuditedCall, AuditSink } from './audit-sink'
import { scheduleCaller } from './callers'

/** Records pushed per statement. */
const PUSH_BATCH = 500

export interface AuditLogOptions {
  store: AuditStore
  /** A write transaction without an fsync of its own (SqliteStore.relaxedTx). */
  relaxedTx: <T>(fn: () => T) => T
  /** Resolves once everything committed so far survives power loss (CacheStore.durable). */
  durable: () => Promise<void>
  /** Shared mode: the shared database's audit log and whether it is reachable now. */
  shared: { pg: PgAudit; online: () => boolean } | null
  context: AuditContext
  log?: (line: string) => void
}

/** A schedule's fire that enqueued a job (runner/scheduler.ts). */
export interface AuditedFire {
  schedule: string
  scheduledFor: number
  firedAt: number
  jobId: string
}

export class AuditLog implements AuditSink {
  private pushing: Promise<void> | null = null

  constructor(private readonly options: AuditLogOptions) {}

  async record(call: AuditedCall): Promise<void> {
    await this.write([auditRecord(call, newId(call.at), this.options.context)])
  }

  /** Fires of schedules, recorded as `schedule:NAME` calling `schedules.fire` on the job it enqueued. */
  async recordFires(fires: readonly AuditedFire[]): Promise<void> {
    await this.write(
      fires.map((fire) => {
        const caller = scheduleCaller(fire.schedule)
        return {
          id: newId(fire.firedAt),
          at: new Date(fire.firedAt).toISOString(),
          who: caller.who,
          role: caller.role,
          method: 'schedules.fire',
          targets: [fire.jobId],
          targetCount: 1,
          summary: `schedule=${fire.schedule} scheduledFor=${new Date(fire.scheduledFor).toISOString()}`.slice(0, 200),
          outcome: 'ok',
          message: null,
        }
      }),
    )
  }

  /** Newest first. Shared mode reads PostgreSQL (every instance's records), or this file's while it is unreachable. */
  async list(filter: AuditFilter): Promise<AuditRecord[]> {
    const shared = this.options.shared
    if (shared?.online()) {
      try {
        return await shared.pg.list(filter)
      } catch (error) {
        this.options.log?.(`audit log: reading the shared database failed, answering from this instance's records: ${(error as Error).message}`)
      }
    }
    return this.options.store.list(filter)
  }

  /** Shared mode: pushes every record the shared database does not have yet (joining a push under way); resolves when tried. */
  push(): Promise<void> {
    // Any process on this data dir may have left records pending (a CLI command made offline):
    // the partial index makes asking cheap.
    if (!this.options.shared) return Promise.resolve()
    this.pushing ??= this.pushAll().finally(() => {
      this.pushing = null
    })
    return this.pushing
  }

  private async write(records: readonly AuditRecord[]): Promise<void> {
    if (records.length === 0) return
    const shared = this.options.shared !== null
    this.options.relaxedTx(() => {
      for (const record of records) this.options.store.insert(record, shared)
    })
    await this.options.durable()
    if (!shared) return
    await this.pushNow()
  }

  /** A push that includes the records just written: one under way may have read the pending ones before them. */
  private async pushNow(): Promise<void> {
    while (this.pushing) await this.pushing
    await this.push()
  }

  private async pushAll(): Promise<void> {
    const shared = this.options.shared
    if (!shared) return
    while (shared.online()) {
      const batch = this.options.store.pending(PUSH_BATCH)
      if (batch.length === 0) return
      try {
        await shared.pg.insert(batch)
      } catch (error) {
        // Kept pending: the next connection pushes it (an outage is announced by the connection itself).
        this.options.log?.(`audit log: ${batch.length} record(s) kept to push later: ${(error as Error).message}`)
        return
      }
      this.options.relaxedTx(() => this.options.store.markPushed(batch.map((record) => record.id)))
    }
  }
}
