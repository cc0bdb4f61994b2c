// The audit log (issue 17): dispatch hands it every call that changes something, allowed or
// refused, and the scheduler every fire that enqueued a job; audit.list reads it back.
//
// Durable before dispatch answers, without an fsync of its own where it can (local mode): while
// the synchronous part of a method that changes something runs (where the local queue's writes
// are made), its call is "under way", and the store appends the call's record, masked, inside
// the first FULL transaction it commits (SqliteStore.setCommitAppender), so the change and its
// record are synced together. (Not AsyncLocalStorage: on Node 20 it costs every promise of the
// process, the runner's too, about 10 % more CPU per job once used.) When the
// call ends, the record is completed (the result's targets, the outcome) in a relaxed commit:
// safe from a kill -9 at once, synced with the next commit. A power loss right after the answer
// keeps the record with the input's targets and outcome `ok`, and could lose only that
// completion. A call that committed nothing here (refused, failed, or made in PostgreSQL) is
// inserted in a relaxed commit, and `record` resolves once the data dir's shared group fsync
// (CacheStore.durable, on libuv's thread pool) flushed it: records made at once share a flush.
//
// Shared mode: every instance's records live in PostgreSQL. A record is written to the SQLite
// file first, `pending`, then pushed (inserted by its id, so a push repeated after a crash or by
// two processes on one data dir inserts once) and marked pushed. A push that fails leaves it
// pending; the next connection (this process's reconnect, or any later process on this data
// dir) pushes what is owed, oldest first.
import type { AuditRecord, Caller } from '../../../src-shared/access'
import { apiAccess, type ApiMethod, type JobdeckApi } from '../../../src-shared/api'
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

/** A call that changes something, while its method runs. */
interface Underway {
  method: ApiMethod
  args: object
  caller: Caller
  id: string
  at: number
  /** Its record is in a committed FULL transaction. */
  committed: boolean
}

export class AuditLog implements AuditSink {
  private pushing: Promise<void> | null = null
  /** The call whose method's synchronous part is running now, if any. */
  private underway: Underway | null = null
  /** dispatch hands the same parsed args to the method and to `record`: how one finds the other. */
  private readonly byArgs = new WeakMap<object, Underway>()

  constructor(private readonly options: AuditLogOptions) {}

  /**
   * The API with each method that changes something "under way" while its synchronous part runs,
   * so the store can append its record to the call's own commit (a write after an await is not
   * seen: its record takes the fsync path). Local mode only: in shared mode the change commits in
   * PostgreSQL, and a record must not be pushed before it is complete. A call without a caller
   * (the core's own, tests, benches) is not recorded.
   */
  wrap(api: JobdeckApi): JobdeckApi {
    if (this.options.shared) return api
    const wrapped: Record<string, unknown> = { ...api }
    for (const method of Object.keys(api) as ApiMethod[]) {
      if (!apiAccess[method].changes) continue
      const handler = api[method] as (args: unknown, caller?: Caller) => Promise<unknown>
      wrapped[method] = (args: unknown, caller?: Caller): Promise<unknown> => {
        if (caller === undefined || typeof args !== 'object' || args === null) return handler(args, caller)
        const at = Date.now()
        const call: Underway = { method, args, caller, id: newId(at), at, committed: false }
        this.byArgs.set(args, call)
        const outer = this.underway
        this.underway = call
        try {
          return handler(args, caller)
        } finally {
          this.underway = outer
        }
      }
    }
    return wrapped as JobdeckApi
  }

  /**
   * SqliteStore's commit appender: the record of the call under way, inside the FULL transaction
   * about to commit. Never throws (it runs inside someone's change); the record then takes the
   * fsync path at the end of the call.
   */
  readonly appender = (): (() => void) | null => {
    const call = this.underway
    if (!call || call.committed) return null
    try {
      const record = auditRecord({ caller: call.caller, method: call.method, args: call.args, result: { ok: true, value: undefined }, at: call.at }, call.id, this.options.context)
      this.options.store.insert(record, false)
    } catch (error) {
      this.options.log?.(`audit log: could not append the record of ${call.method} to its commit: ${(error as Error).message}`)
      return null
    }
    return () => {
      call.committed = true
    }
  }

  async record(call: AuditedCall): Promise<void> {
    const underway = typeof call.args === 'object' && call.args !== null ? this.byArgs.get(call.args) : undefined
    if (underway) this.byArgs.delete(underway.args)
    if (underway?.committed && underway.method === call.method && underway.caller === call.caller) {
      // Synced with the call's own commit; completing it needs no fsync of its own.
      const record = auditRecord({ ...call, at: underway.at }, underway.id, this.options.context)
      this.options.relaxedTx(() => this.options.store.finish(record))
      return
    }
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
