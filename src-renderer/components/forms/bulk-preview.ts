// Bulk add preview: pasted CSV (header row) or JSON lines, parsed by the same code as
// `jobdeck enqueue --bulk` and each row checked as `jobs.enqueueBulk` will check it.
import type { ParamDef } from '../../../src-shared/config-schema'
import type { Params } from '../../../src-shared/domain'
import { parseBulkText } from '../../../src-shared/bulk-parse'
import { validateParams } from '../../../src-shared/params'
import { isSecretParam, redactSecretValue, SECRET_MASK } from '../../../src-shared/secret-params'

export interface PreviewRow {
  /** Source line where the row starts. */
  line: number
  values: Record<string, unknown>
  /** Coerced params when the row is valid. */
  params: Params | null
  errors: string[]
  /** Params (columns) the errors are about, to mark their cells. */
  badColumns: string[]
}

export interface BulkPreview {
  format: 'csv' | 'jsonl' | null
  /** The type's params in declaration order, then any unknown columns found in the rows. */
  columns: string[]
  /** Parsed rows and lines that could not be parsed, in source order. */
  rows: PreviewRow[]
  valid: number
  invalid: number
  /** Every row parsed and valid, and at least one row. */
  ready: boolean
  /** `48 valid · 2 with errors`. */
  summary: string
}

export function bulkSummary(valid: number, invalid: number): string {
  if (valid === 0 && invalid === 0) return 'No rows yet'
  return `${valid} valid · ${invalid} with error${invalid === 1 ? '' : 's'}`
}

export function previewBulk(params: Record<string, ParamDef>, text: string): BulkPreview {
  if (text.trim() === '') {
    return { format: null, columns: Object.keys(params), rows: [], valid: 0, invalid: 0, ready: false, summary: bulkSummary(0, 0) }
  }
  const parsed = parseBulkText(text)
  const columns = Object.keys(params)
  const rows: PreviewRow[] = []
  for (const row of parsed.rows) {
    for (const key of Object.keys(row.values)) if (!columns.includes(key)) columns.push(key)
    const result = validateParams(params, row.values)
    rows.push(
      result.ok
        ? { line: row.line, values: row.values, params: result.params, errors: [], badColumns: [] }
        : {
            line: row.line,
            values: row.values,
            params: null,
            errors: result.errors.map((e) => (isSecretParam(params[e.param]) ? redactSecretValue(e.message, row.values[e.param]) : e.message)),
            badColumns: [...new Set(result.errors.map((e) => e.param))],
          },
    )
  }
  for (const error of parsed.errors) {
    rows.push({ line: error.line, values: {}, params: null, errors: [error.message], badColumns: [] })
  }
  rows.sort((a, b) => a.line - b.line)
  const valid = rows.filter((r) => r.params !== null).length
  const invalid = rows.length - valid
  return { format: parsed.format, columns, rows, valid, invalid, ready: rows.length > 0 && invalid === 0, summary: bulkSummary(valid, invalid) }
}

/** What a preview cell shows: a secret param's value as the mask, like every other view. */
export function previewCell(params: Record<string, ParamDef>, column: string, value: unknown): string {
  if (value === undefined) return ''
  if (isSecretParam(params[column]) && !(typeof value === 'string' && value.trim() === '')) return SECRET_MASK
  if (value === null) return 'null'
  return typeof value === 'object' ? JSON.stringify(value) : String(value)
}

/** The rows to send: the values as pasted, so the engine coerces them exactly as it does for the CLI. */
export function bulkRows(preview: BulkPreview): Array<Record<string, unknown>> {
  return preview.rows.filter((r) => r.params !== null).map((r) => r.values)
}

interface EngineRowError {
  row: number
  errors: Array<{ param: string; message: string }>
}

function isEngineRowErrors(details: unknown): details is EngineRowError[] {
  return (
    Array.isArray(details) &&
    details.every((d) => typeof d === 'object' && d !== null && typeof (d as EngineRowError).row === 'number' && Array.isArray((d as EngineRowError).errors))
  )
}

/**
 * Puts the per-row errors of a refused `jobs.enqueueBulk` (its `details`: `{row, errors}` with
 * 1-based positions in the rows sent) back on the preview rows. Null when the details are not
 * per-row errors.
 */
export function applyEngineRowErrors(preview: BulkPreview, details: unknown): BulkPreview | null {
  if (!isEngineRowErrors(details)) return null
  const sent = preview.rows.filter((r) => r.params !== null)
  const byRow = new Map(details.map((d) => [d.row, d.errors]))
  const rows = preview.rows.map((row) => {
    const index = sent.indexOf(row)
    const errors = index >= 0 ? byRow.get(index + 1) : undefined
    if (!errors) return row
    return { ...row, params: null, errors: errors.map((e) => e.message), badColumns: [...new Set(errors.map((e) => e.param))] }
  })
  const valid = rows.filter((r) => r.params !== null).length
  const invalid = rows.length - valid
  return { ...preview, rows, valid, invalid, ready: rows.length > 0 && invalid === 0, summary: bulkSummary(valid, invalid) }
}
