// Runs as CSV for the History export. csv-stringify writes it: quoting, and escaping the cells a
// spreadsheet would run as formulas.
import { stringify } from 'csv-stringify/sync'
import type { Run } from '../../../src-shared/domain'

const COLUMNS = [
  'id', 'jobId', 'type', 'status', 'attempt', 'lane', 'queuedAt', 'startedAt', 'finishedAt', 'durationMs',
  'exitCode', 'signal', 'error', 'itemsOk', 'itemsFailed', 'peakRssBytes', 'cpuSeconds', 'runnerId', 'params',
  'source', 'sourceId', 'startKind', 'stuckAt',
] as const

type RunRecord = Record<(typeof COLUMNS)[number], string | number | null>

function runRecord(r: Run): RunRecord {
  const duration = r.finishedAt ? Date.parse(r.finishedAt) - Date.parse(r.startedAt) : null
  return {
    id: r.id,
    jobId: r.jobId,
    type: r.type,
    status: r.status,
    attempt: r.attempt,
    lane: r.lane,
    queuedAt: r.queuedAt,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
    durationMs: duration,
    exitCode: r.exitCode,
    signal: r.signal,
    error: r.error,
    itemsOk: r.itemsOk,
    itemsFailed: r.itemsFailed,
    peakRssBytes: r.peakRssBytes,
    cpuSeconds: r.cpuSeconds,
    runnerId: r.runnerId,
    params: JSON.stringify(r.params),
    // Mirrored runs: where from, the row's own id, how its start is known, when it was flagged stuck.
    source: r.source,
    sourceId: r.sourceId,
    startKind: r.startKind,
    stuckAt: r.stuckAt,
  }
}

/**
 * RFC 4180 CSV of runs with CRLF line ends, times in ISO-8601 UTC, params as JSON, null as an empty
 * cell. A text cell starting with = + - @ tab or CR (or a full-width = + - @) gets a leading ' so a
 * spreadsheet shows it instead of running it; numbers (an exit code of -1) are written as they are.
 */
export function runsToCsv(runs: readonly Run[]): string {
  return stringify(runs.map(runRecord), {
    header: true,
    columns: [...COLUMNS],
    escape_formulas: true,
    record_delimiter: '\r\n',
    // Given a record_delimiter, csv-stringify quotes a lone \n or \r in a cell only when told to.
    quote_record_delimiter: true,
  })
}
