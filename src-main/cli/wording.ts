// How the CLI words what the engine sends as data: why a job waits (with what to type to clear
// it), a run's status, start and source, a search match, an overlap; in the terminal's 24 h
// clock. The window words the same data in src-renderer/wording.ts.
import { absoluteTime } from '../../src-shared/local-time'
import type { Run } from '../../src-shared/domain'
import { SNIPPET_CLOSE, SNIPPET_OPEN, type SearchMatch } from '../../src-shared/search'
import { isStuck, type Overlap, type OverlapRun } from '../../src-shared/sources'
import { gateText, type WaitReason } from '../../src-shared/wait-reason'

/** `17:00:15` today, else `2026-01-31 17:00:15`. */
export function clockOrDate(iso: string, now = Date.now()): string {
  const full = absoluteTime(iso)
  return full.slice(0, 10) === absoluteTime(new Date(now).toISOString()).slice(0, 10) ? full.slice(11) : full
}

export function waitReasonText(reason: WaitReason, now = Date.now()): string {
  switch (reason.kind) {
    case 'unknown-type':
      return `type "${reason.type}" is not in the config; add it back or cancel this job (jobdeck cancel ID)`
    case 'retrying':
      return `retrying at ${clockOrDate(reason.at, now)} after a failed attempt${reason.error ? `: ${reason.error}` : ''}`
    case 'no-runner':
      return reason.shared
        ? 'no runner shares this queue right now (start one with `jobdeck run --pg …` or the app)'
        : 'no runner is running on this data dir (start one with `jobdeck run` or the app)'
    case 'paused':
      return 'runner paused (resume with `jobdeck resume`)'
    case 'gate':
      return gateText(reason.gate)
    case 'lane-busy':
      return `lane ${reason.lane} busy: ${reason.running} running (limit ${reason.limit})`
    case 'behind':
      return `behind ${reason.ahead} earlier job${reason.ahead === 1 ? '' : 's'} in lane ${reason.lane}`
    case 'runner-busy':
      return reason.max === undefined
        ? `runner busy: ${reason.running} of ${reason.concurrency} concurrent runs (runner.concurrency)`
        : `runner busy: ${reason.running} running, ${concurrencyText(reason.concurrency, reason.max, reason.reason ?? null)}`
    case 'rate-limited':
      return `rate limit ${reason.rate} in lane ${reason.lane}: next start at ${clockOrDate(reason.nextAt, now)}`
    case 'starting':
      return 'starting'
  }
}

/** Adaptive concurrency's effective limit: "concurrency 2 of 4: CPU 85% over 80%". */
export function concurrencyText(concurrency: number, max: number, reason: string | null): string {
  return `concurrency ${concurrency} of ${max}${reason ? `: ${reason}` : ''}`
}

/** A run's status, and `stuck` while a source row runs past its `stuckAfter`. */
export function runStatusText(run: Pick<Run, 'status' | 'stuckAt'>): string {
  return isStuck(run) ? `${run.status} (stuck since ${clockOrDate(run.stuckAt as string)})` : run.status
}

/** When a run started, saying when that is only the moment Jobdeck first saw it (or unknown). */
export function runStartText(run: Pick<Run, 'startedAt' | 'startKind'>): string {
  if (run.startKind === 'unknown') return 'unknown (first seen finished)'
  return run.startKind === 'observed' ? `${absoluteTime(run.startedAt)} (observed)` : absoluteTime(run.startedAt)
}

/** Where a run comes from: a source and the row's own id, or Jobdeck itself. */
export function runSourceText(run: { source: string | null; sourceId: string | null }): string {
  return run.source === null ? 'jobdeck' : `${run.source} #${run.sourceId ?? '?'}`
}

/** A search match in a terminal: where it matched, and the snippet with the matched words in ‹ ›. */
export function matchText(match: SearchMatch | undefined): string {
  if (!match) return ''
  return `${match.in}: ${match.snippet.replaceAll(SNIPPET_OPEN, '‹').replaceAll(SNIPPET_CLOSE, '›')}`
}

/** One side of an overlap: a source row by its own id, one of Jobdeck's runs by its run id. */
export function overlapRunText(run: OverlapRun): string {
  return run.source === null ? `${run.type} ${run.runId}` : `${run.type} #${run.sourceId ?? '?'}`
}

export function overlapLaneText(overlap: Pick<Overlap, 'a' | 'b' | 'sameLane'>): string {
  return overlap.sameLane ? `same lane ${overlap.a.lane}` : `${overlap.a.lane} / ${overlap.b.lane}`
}
