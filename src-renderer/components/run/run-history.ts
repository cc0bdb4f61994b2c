// A job's state changes, derived from the job and its runs: enqueued → started → finished /
// interrupted → (retry wait) → started again … The engine keeps no separate event log, so this
// is what the rows say.
import type { Job, Run, RunStatus } from '../../../src-shared/domain'
import { formatDuration } from '../../format'

export interface StateChange {
  /** ISO-8601. */
  at: string
  label: string
  detail: string | null
  status: RunStatus | 'queued' | 'retrying' | null
  runId: string | null
  /** Not yet happened (a retry that waits for its time). */
  future: boolean
}

const FINISH_WORD: Record<RunStatus, string> = {
  running: 'Running',
  succeeded: 'Succeeded',
  partial: 'Finished partly',
  failed: 'Failed',
  canceled: 'Canceled',
  interrupted: 'Interrupted',
}

export function runDurationMs(run: Pick<Run, 'startedAt' | 'finishedAt'>, now: number = Date.now()): number {
  const end = run.finishedAt === null ? now : Date.parse(run.finishedAt)
  return Math.max(0, end - Date.parse(run.startedAt))
}

function exitText(run: Run): string | null {
  const parts: string[] = []
  if (run.exitCode !== null) parts.push(`exit code ${run.exitCode}`)
  if (run.signal !== null) parts.push(`signal ${run.signal}`)
  return parts.length > 0 ? parts.join(', ') : null
}

export function stateChanges(job: Job, attempts: readonly Run[], now: number = Date.now()): StateChange[] {
  const runs = [...attempts].sort((a, b) => a.attempt - b.attempt || a.startedAt.localeCompare(b.startedAt))
  const changes: StateChange[] = [
    { at: job.createdAt, label: 'Enqueued', detail: `priority ${job.priority}, lane ${job.lane}`, status: 'queued', runId: null, future: false },
  ]
  let previous: Run | null = null
  for (const run of runs) {
    if (previous?.finishedAt) {
      const gap = Date.parse(run.queuedAt) - Date.parse(previous.finishedAt)
      if (previous.status === 'interrupted') {
        changes.push({ at: previous.finishedAt, label: 'Back in the queue', detail: 'the runner stopped while it ran; the job did not fail', status: 'queued', runId: null, future: false })
      } else if (gap > 1000) {
        changes.push({ at: run.queuedAt, label: 'Eligible again', detail: `after ${formatDuration(gap)} of retry wait`, status: 'retrying', runId: null, future: false })
      } else {
        changes.push({ at: run.queuedAt, label: 'Queued again', detail: null, status: 'queued', runId: null, future: false })
      }
    }
    const waited = Date.parse(run.startedAt) - Date.parse(run.queuedAt)
    changes.push({
      at: run.startedAt,
      label: `Started attempt ${run.attempt}`,
      detail: `after ${formatDuration(Math.max(0, waited))} waiting${run.pid !== null ? `, pid ${run.pid}` : ''}`,
      status: 'running',
      runId: run.id,
      future: false,
    })
    if (run.finishedAt !== null) {
      // The engine's error usually starts with the exit code already.
      const exit = run.error?.includes('exit code') || run.error?.includes('signal') ? null : exitText(run)
      const facts = [`after ${formatDuration(runDurationMs(run, now))}`, exit].filter((x): x is string => x !== null)
      changes.push({
        at: run.finishedAt,
        label: FINISH_WORD[run.status],
        detail: [facts.join(', '), run.error].filter((x) => x && x !== '').join(' — ') || null,
        status: run.status,
        runId: run.id,
        future: false,
      })
    }
    previous = run
  }
  if (job.status === 'retrying' && job.runAfter) {
    const future = Date.parse(job.runAfter) > now
    changes.push({ at: job.runAfter, label: future ? 'Retry waits until' : 'Retry due', detail: `attempt ${job.attempts + 1}`, status: 'retrying', runId: null, future })
  }
  if (job.cancelRequested && job.status === 'running') {
    changes.push({ at: new Date(now).toISOString(), label: 'Cancel requested', detail: 'stopping its process tree', status: 'canceled', runId: null, future: true })
  }
  return changes.sort((a, b) => a.at.localeCompare(b.at))
}
