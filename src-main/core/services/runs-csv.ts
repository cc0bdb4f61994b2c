import type { Run } from '../../../src-shared/domain'

const COLUMNS = [
  'id', 'jobId', 'type', 'status', 'attempt', 'lane', 'queuedAt', 'startedAt', 'finishedAt', 'durationMs',
  'exitCode', 'signal', 'error', 'itemsOk', 'itemsFailed', 'peakRssBytes', 'cpuSeconds', 'runnerId', 'params',
  'source', 'sourceId', 'startKind', 'stuckAt',
] as const

function cell(value: string | number | boolean | null): string {
  if (value === null) return ''
  const text = String(value)
  // A leading =, +, - or @ would run as a formula when the file is opened in a spreadsheet.
  const safe = /^[=+\-@\t\r]/.test(text) && typeof value === 'string' ? `'${text}` : text
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe
}

/** RFC 4180 CSV of runs, times in ISO-8601 UTC, params as JSON. */
export function runsToCsv(runs: readonly Run[]): string {
  const lines = [COLUMNS.join(',')]
  for (const r of runs) {
    const duration = r.finishedAt ? Date.parse(r.finishedAt) - Date.parse(r.startedAt) : null
    const values: Record<(typeof COLUMNS)[number], string | number | boolean | null> = {
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
    lines.push(COLUMNS.map((c) => cell(values[c])).join(','))
  }
  return `${lines.join('\r\n')}\r\n`
}
