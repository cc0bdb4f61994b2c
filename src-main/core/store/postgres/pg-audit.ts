// The audit log in the shared database (migration 13): every instance's records in one table.
// One statement per operation.
import type { AuditRecord } from '../../../../src-shared/access'
import { auditRowOf, auditWhere, toAuditRecord, type AuditFilter, type AuditRow } from '../audit-rows'
import type { PgConnection } from './pg-connection'

export class PgAudit {
  constructor(private readonly conn: PgConnection) {}

  /** Inserts the records it does not have yet (ids are made by the recording instance): pushing twice inserts once. */
  async insert(records: readonly AuditRecord[]): Promise<void> {
    if (records.length === 0) return
    await this.conn.query(
      `INSERT INTO jobdeck.audit_log (id, at, who, role, method, targets, target_count, summary, outcome, message)
       SELECT id, at, who, role, method, targets, target_count, summary, outcome, message
       FROM jsonb_to_recordset($1::jsonb) AS r(id text, at bigint, who text, role text, method text, targets jsonb,
         target_count int, summary text, outcome text, message text)
       ON CONFLICT (id) DO NOTHING`,
      [JSON.stringify(records.map((record) => ({ ...auditRowOf(record), targets: record.targets })))],
    )
  }

  async list(filter: AuditFilter): Promise<AuditRecord[]> {
    const values: unknown[] = []
    const where = auditWhere(filter, (value) => {
      values.push(value)
      return `$${values.length}`
    })
    values.push(filter.limit)
    const { rows } = await this.conn.query<AuditRow>(
      `SELECT id, at, who, role, method, targets, target_count, summary, outcome, message
       FROM jobdeck.audit_log ${where} ORDER BY at DESC, id DESC LIMIT $${values.length}`,
      values,
    )
    return rows.map(toAuditRecord)
  }
}
