// Turns how a command ended into the run's outcome and the one-line error an operator reads.
import { safeMessage } from '../../../src-shared/redact'
import type { ExecutionResult } from './types'

export interface SpawnFailure {
  /** errno code such as `ENOENT`, `EACCES`; null when Node gave none. */
  code: string | null
  message: string
  argv0: string
  cwd: string
  /** The working directory does not exist (Node reports that as ENOENT of the command itself). */
  cwdMissing: boolean
}

export interface OutcomeInput {
  exitCode: number | null
  signal: string | null
  timedOut: boolean
  canceled: boolean
  itemsOk: number | null
  itemsFailed: number | null
  spawnError: SpawnFailure | null
  lastStderrLine: string | null
  timeoutMs: number | null
}

export interface Outcome {
  outcome: ExecutionResult['outcome']
  error: string | null
}

export const MAX_ERROR_DETAIL_CHARS = 300

export function decideOutcome(input: OutcomeInput): Outcome {
  if (input.canceled) return { outcome: 'canceled', error: null }
  if (input.timedOut) {
    const after = input.timeoutMs === null ? '' : ` after ${formatShortDuration(input.timeoutMs)}`
    return { outcome: 'failed', error: `timed out${after}; stopped the process tree` }
  }
  if (input.spawnError) return { outcome: 'failed', error: describeSpawnFailure(input.spawnError) }
  if (input.exitCode === 0) {
    const ok = input.itemsOk ?? 0
    const failed = input.itemsFailed ?? 0
    if (failed > 0 && ok > 0) return { outcome: 'partial', error: `${failed} of ${ok + failed} items failed` }
    if (failed > 0) return { outcome: 'failed', error: failed === 1 ? 'the only item failed' : `all ${failed} items failed` }
    return { outcome: 'succeeded', error: null }
  }
  if (input.exitCode !== null) {
    const detail = input.lastStderrLine === null ? '' : errorDetail(input.lastStderrLine)
    return { outcome: 'failed', error: detail ? `exit code ${input.exitCode}: ${detail}` : `exit code ${input.exitCode}` }
  }
  if (input.signal !== null) return { outcome: 'failed', error: `killed by ${input.signal}` }
  return { outcome: 'failed', error: 'the process ended without an exit status' }
}

export function describeSpawnFailure(failure: SpawnFailure): string {
  if (failure.cwdMissing) return `working directory not found: ${failure.cwd}`
  switch (failure.code) {
    case 'ENOENT':
      return `command not found: ${failure.argv0}`
    case 'EACCES':
      return `permission denied (not executable?): ${failure.argv0}`
    case 'ENOTDIR':
      return `working directory is not a directory: ${failure.cwd}`
    default:
      return `could not start ${failure.argv0}: ${failure.message}`
  }
}

// eslint-disable-next-line no-control-regex -- matching terminal escape sequences is the point
const ANSI_ESCAPE = /\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)/g
// eslint-disable-next-line no-control-regex -- see above
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f]/g

/** A stderr line made fit for a one-line summary: no colour codes, trimmed, at most 300 chars. */
export function errorDetail(line: string): string {
  const clean = line.replace(ANSI_ESCAPE, '').replace(CONTROL, '').replace(/\s+/g, ' ').trim()
  return clean.length > MAX_ERROR_DETAIL_CHARS ? `${clean.slice(0, MAX_ERROR_DETAIL_CHARS - 1)}…` : clean
}

/**
 * `30m`, `1h 30m`, `2s`, `1.5s`, `250ms`: durations as operators write them in config, so
 * `timed out after 30m` reads back what they configured (units.formatDuration pads: `30m 00s`).
 */
export function formatShortDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—'
  if (ms < 1000) return `${Math.round(ms)}ms`
  if (ms < 10_000 && ms % 1000 !== 0) return `${(ms / 1000).toFixed(1).replace(/\.0$/, '')}s`
  const totalSeconds = Math.round(ms / 1000)
  const parts: Array<[number, string]> = [
    [Math.floor(totalSeconds / 86400), 'd'],
    [Math.floor((totalSeconds % 86400) / 3600), 'h'],
    [Math.floor((totalSeconds % 3600) / 60), 'm'],
    [totalSeconds % 60, 's'],
  ]
  return parts
    .filter(([value]) => value > 0)
    .map(([value, unit]) => `${value}${unit}`)
    .join(' ')
}

/** A run that failed before or outside its executor's own reporting (no type, executor threw). */
export function failedResult(error: string): ExecutionResult {
  return { outcome: 'failed', exitCode: null, signal: null, error, timedOut: false, itemsOk: null, itemsFailed: null }
}

/**
 * The result as the run records it: its error repeats a URL, a header or a statement the job was
 * built from, so credentials in it are masked and long values cut (src-shared/redact.ts).
 */
export function withSafeError(result: ExecutionResult): ExecutionResult {
  return result.error === null ? result : { ...result, error: safeMessage(result.error) }
}
