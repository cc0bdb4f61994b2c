// The audit log in the SQLite file (migration 15): every record of this data dir in local mode;
// in shared mode this instance's records, each `pending` until the shared database has it.
import type { AuditRecord } from '../../../../src-shared/access'
import { auditRowOf, auditWhere, toAuditRecord, type AuditFilter, type AuditRow } from '../audit-rows'
import type { Statement } from 'better-sqlite3'
import type { SqliteDatabase } from './open-database'

const COLUMNS = 'id, at, who, role, method, targets, target_count, summary, outcome, message'

export class AuditStore {
  private readonly insertStmt
  private readonly pendingStmt
  private readonly pushedStmt
  private readonly pendingCountStmt
  private readonly finishStmt
  private readonly lists = new Map<string, Statement<unknown[]>>()

  constructor(private readonly db: SqliteDatabase) {
    this.insertStmt = db.prepare(`INSERT INTO audit_log (${COLUMNS}, pending)
      VALUES (@id, @at, @who, @role, @method, @targets, @target_count, @summary, @outcome, @message, @pending)`)
    this.pendingStmt = db.prepare(`SELECT ${COLUMNS} FROM audit_log WHERE pending = 1 ORDER BY at, id LIMIT ?`)
    this.pushedStmt = db.prepare(`UPDATE audit_log SET pending = 0 WHERE id = ? AND pending = 1`)
    this.pendingCountStmt = db.prepare(`SELECT count(*) FROM audit_log WHERE pending = 1`).pluck()
    this.finishStmt = db.prepare(`UPDATE audit_log SET targets = @targets, target_count = @target_count, outcome = @outcome, message = @message WHERE id = @id`)
  }

  /** Inside the caller's transaction. `pending`: the shared database does not have it yet. */
  insert(record: AuditRecord, pending: boolean): void {
    this.insertStmt.run({ ...auditRowOf(record), pending: pending ? 1 : 0 })
  }

  /** Inside the caller's transaction: a record written before its call ended, completed (targets of the result, outcome). */
  finish(record: AuditRecord): void {
    const row = auditRowOf(record)
    this.finishStmt.run({ id: row.id, targets: row.targets, target_count: row.target_count, outcome: row.outcome, message: row.message })
  }

  list(filter: AuditFilter): AuditRecord[] {
    const values: unknown[] = []
    const where = auditWhere(filter, (value) => {
      values.push(value)
      return '?'
    })
    const sql = `SELECT ${COLUMNS} FROM audit_log ${where} ORDER BY at DESC, id DESC LIMIT ?`
    let stmt = this.lists.get(sql)
    if (!stmt) {
      stmt = this.db.prepare(sql)
      this.lists.set(sql, stmt)
    }
    return (stmt.all(...values, filter.limit) as AuditRow[]).map(toAuditRecord)
  }

  /** The oldest records the shared database does not have yet. */
  pending(limit: number): AuditRecord[] {
    return (this.pendingStmt.all(limit) as AuditRow[]).map(toAuditRecord)
  }

  pendingCount(): number {
    return this.pendingCountStmt.get() as number
  }

  /** Inside the caller's transaction. */
  markPushed(ids: readonly string[]): void {
    for (const id of ids) this.pushedStmt.run(id)
  }
}
