// An audit record as both stores keep it (SQLite migration 15, PostgreSQL migration 13: the same
// columns) and audit.list's filters, written once for both.
import type { AuditRecord, Role } from '../../../src-shared/access'

/** audit.list's filters as epoch ms; `before` is the last record of the previous page. */
export interface AuditFilter {
  since?: number
  until?: number
  who?: string
  method?: string
  before?: { at: number; id: string }
  limit: number
}

export interface AuditRow {
  id: string
  at: number | string
  who: string
  role: string
  method: string
  targets: string | string[]
  target_count: number
  summary: string
  outcome: string
  message: string | null
}

/** A row of either store as the API says it (PostgreSQL hands bigint as text and jsonb parsed). */
export function toAuditRecord(row: AuditRow): AuditRecord {
  return {
    id: row.id,
    at: new Date(Number(row.at)).toISOString(),
    who: row.who,
    role: row.role as Role,
    method: row.method,
    targets: typeof row.targets === 'string' ? (JSON.parse(row.targets) as string[]) : row.targets,
    targetCount: row.target_count,
    summary: row.summary,
    outcome: row.outcome as AuditRecord['outcome'],
    message: row.message,
  }
}

/** The row's values for an insert: `at` back to epoch ms, targets as JSON. */
export function auditRowOf(record: AuditRecord): Omit<AuditRow, 'targets' | 'at'> & { at: number; targets: string } {
  return {
    id: record.id,
    at: Date.parse(record.at),
    who: record.who,
    role: record.role,
    method: record.method,
    targets: JSON.stringify(record.targets),
    target_count: record.targetCount,
    summary: record.summary,
    outcome: record.outcome,
    message: record.message,
  }
}

/**
 * The WHERE clause and values of a filter, newest first. Written out per filter (not `? IS NULL
 * OR …`) so the planner picks `audit_log_who` for a caller and `audit_log_newest` otherwise.
 */
export function auditWhere(filter: AuditFilter, param: (value: unknown) => string): string {
  const terms: string[] = []
  if (filter.who !== undefined) terms.push(`who = ${param(filter.who)}`)
  if (filter.method !== undefined) terms.push(`method = ${param(filter.method)}`)
  if (filter.since !== undefined) terms.push(`at >= ${param(filter.since)}`)
  if (filter.until !== undefined) terms.push(`at < ${param(filter.until)}`)
  if (filter.before !== undefined) {
    // Each use its own placeholder: SQLite's `?` takes one value per use.
    terms.push(`(at < ${param(filter.before.at)} OR (at = ${param(filter.before.at)} AND id < ${param(filter.before.id)}))`)
  }
  return terms.length === 0 ? '' : `WHERE ${terms.join(' AND ')}`
}
