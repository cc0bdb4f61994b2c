import { JobdeckError } from '../../src-shared/errors'
import type { Job, Run } from '../../src-shared/domain'
import { safeMessage } from '../../src-shared/redact'
import { formatDuration } from '../../src-shared/units'
import { escapeLines, escapeTerminal, jsonText } from './terminal-text'

export function exitCodeFor(error: unknown): number {
  return error instanceof JobdeckError && error.code !== 'internal' ? 1 : 2
}

/**
 * An error on stderr: credentials masked, echoed values cut (every bad row of a bulk add still
 * gets its line), control characters escaped.
 */
export function printError(error: unknown): void {
  const text = error instanceof JobdeckError ? error.message : `internal error: ${(error as Error)?.stack ?? String(error)}`
  process.stderr.write(`jobdeck: ${escapeLines(safeMessage(text, Infinity))}\n`)
}

/** One line of output: whatever it holds, it stays one line (control characters escaped). */
export function printLine(text: string, stream: NodeJS.WritableStream = process.stdout): void {
  stream.write(`${escapeTerminal(text)}\n`)
}

export function printJson(value: unknown): void {
  process.stdout.write(`${jsonText(value, 2)}\n`)
}

/** Left-aligned text columns; numbers right-aligned. Cells are escaped: one row stays one line. */
export function table(headers: string[], cells: string[][], numeric: ReadonlySet<number> = new Set()): string {
  const rows = cells.map((row) => row.map((cell) => escapeTerminal(cell)))
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const line = (cells: string[]): string =>
    cells
      .map((cell, i) => (numeric.has(i) ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd()
  return [line(headers), ...rows.map(line)].join('\n') + '\n'
}

export function runDuration(run: Run, now = Date.now()): string {
  const end = run.finishedAt ? Date.parse(run.finishedAt) : now
  return formatDuration(end - Date.parse(run.startedAt))
}

export function paramsText(params: Job['params']): string {
  const text = Object.entries(params)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(' ')
  return text.length > 60 ? `${text.slice(0, 59)}…` : text
}

export function progressText(run: Run): string {
  const p = run.progress
  const parts: string[] = []
  if (p.percent !== null) parts.push(`${Math.round(p.percent)}%`)
  if (p.current !== null && p.total !== null) parts.push(`${p.current}/${p.total}`)
  if (p.message) parts.push(p.message)
  return parts.join(' ')
}
