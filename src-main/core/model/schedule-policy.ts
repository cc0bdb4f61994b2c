// What a schedule's fire does, decided as data: missed fires after downtime or a wall-clock jump
// (by `missed` and `catchupWindow`), a fire while the previous job of the same schedule has not
// finished (`overlap`), the random delay of a fire (`jitter`) and a pause with or without an end.
// The scheduler (runner/scheduler.ts) records what these decide; it decides nothing itself.
import type { JobStatus } from '../../../src-shared/domain'
import type { MissedPolicy, OverlapPolicy } from '../../../src-shared/schedules'
import { formatDuration } from '../../../src-shared/units'

/** A missed fire judged: run it, or record it as missed (with why). */
export type MissedJudgement = { scheduledFor: number; run: true } | { scheduledFor: number; run: false; reason: string }

/**
 * Fires that should have happened while nothing ran, oldest first. Older than the catch-up
 * window: missed, never run. Inside it: `latest` runs the most recent and records the others,
 * `all` runs each (oldest first), `skip` runs none.
 */
export function judgeMissed(times: readonly number[], policy: { missed: MissedPolicy; catchupWindowMs: number }, now: number): MissedJudgement[] {
  const windowStart = now - policy.catchupWindowMs
  const inside = times.filter((t) => t >= windowStart)
  const latest = inside.length > 0 ? inside[inside.length - 1] : undefined
  const window = formatDuration(policy.catchupWindowMs)
  return times.map((t): MissedJudgement => {
    if (t < windowStart) return { scheduledFor: t, run: false, reason: `missed: older than the catch-up window (${window}) when Jobdeck could fire it` }
    if (policy.missed === 'skip') return { scheduledFor: t, run: false, reason: 'missed while Jobdeck was not running (missed: skip)' }
    if (policy.missed === 'latest' && t !== latest) {
      return { scheduledFor: t, run: false, reason: `missed: a later fire (${new Date(latest as number).toISOString()}) ran instead (missed: latest)` }
    }
    return { scheduledFor: t, run: true }
  })
}

/** One line for the operator about a catch-up: "nightly missed 3 fires; ran the latest". */
export function catchUpSummary(schedule: string, judged: readonly MissedJudgement[], policy: MissedPolicy): string | null {
  if (judged.length === 0) return null
  const ran = judged.filter((j) => j.run).length
  const fires = `${judged.length} fire${judged.length === 1 ? '' : 's'}`
  if (ran === 0) {
    return policy === 'skip' ? `${schedule} missed ${fires}; ran none (missed: skip)` : `${schedule} missed ${fires}; ran none (all older than the catch-up window)`
  }
  if (policy === 'latest') return `${schedule} missed ${fires}; ran the latest`
  return ran === judged.length ? `${schedule} missed ${fires}; ran all of them` : `${schedule} missed ${fires}; ran the ${ran} inside the catch-up window`
}

/** The most recent job of a schedule that is not finished yet. */
export interface PreviousJob {
  id: string
  status: JobStatus
}

export type OverlapDecision =
  | { action: 'enqueue'; reason: string | null }
  | { action: 'skip'; reason: string }
  /** Hold the fire until the previous job finishes (overlap: queue). */
  | { action: 'wait'; previous: string; reason: string }

export function decideOverlap(policy: OverlapPolicy, previous: PreviousJob | null): OverlapDecision {
  if (previous === null) return { action: 'enqueue', reason: null }
  const still = `previous job ${previous.id} still ${previous.status === 'retrying' ? 'waiting to retry' : previous.status}`
  if (policy === 'skip') return { action: 'skip', reason: still }
  if (policy === 'queue') return { action: 'wait', previous: previous.id, reason: still }
  return { action: 'enqueue', reason: `${still} (overlap: allow)` }
}

/** The random delay of one fire: from 0 up to and including `jitterMs`, whole milliseconds. */
export function jitterDelay(jitterMs: number, random: () => number = Math.random): number {
  if (jitterMs <= 0) return 0
  return Math.min(jitterMs, Math.floor(random() * (jitterMs + 1)))
}

/** A schedule's pause: until a time, or (null) until resumed. */
export interface SchedulePause {
  pausedAt: number
  until: number | null
}

/** Paused at `t`: a pause that has no end, or whose end is later. */
export function pausedAt(pause: SchedulePause | null | undefined, t: number): boolean {
  return pause !== null && pause !== undefined && (pause.until === null || t < pause.until)
}
