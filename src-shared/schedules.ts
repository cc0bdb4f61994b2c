// Schedules as the contract carries them: a schedule with its next fires and last fire, one fire
// record (what a fire did and why), and a predicted fire for the Timeline. Words for the policies
// live here too, so the CLI, the README and the views say the same thing.
import type { Priority } from './domain'

export const FIRE_OUTCOMES = ['enqueued', 'skipped', 'missed', 'paused', 'manual'] as const
export type FireOutcome = (typeof FIRE_OUTCOMES)[number]

/** What to do with fires that should have happened while nothing ran (downtime, sleep). */
export const MISSED_POLICIES = ['skip', 'latest', 'all'] as const
export type MissedPolicy = (typeof MISSED_POLICIES)[number]

/** What a fire does while the previous job of the same schedule is still queued or running. */
export const OVERLAP_POLICIES = ['skip', 'queue', 'allow'] as const
export type OverlapPolicy = (typeof OVERLAP_POLICIES)[number]

/** One fire of a schedule, durable, keyed by (schedule, scheduledFor). */
export interface ScheduleFire {
  schedule: string
  /** The scheduled time (ISO-8601 UTC); for `manual`, when run now was asked. */
  scheduledFor: string
  /** When the fire was decided and recorded. */
  firedAt: string
  outcome: FireOutcome
  /** Why, in words (e.g. "previous job 01J… still running"); null for a plain enqueue. */
  reason: string | null
  /** The job it made (enqueued, manual); null otherwise. */
  jobId: string | null
}

export interface ScheduleInfo {
  name: string
  /** The job type. */
  job: string
  params: Record<string, unknown>
  /** As written in the config. */
  cron: string | null
  every: string | null
  /** The cron in words, or "Every 5 minutes". */
  description: string
  timezone: string
  priority: Priority | null
  missed: MissedPolicy
  catchupWindowMs: number
  overlap: OverlapPolicy
  jitterMs: number
  notifySkipped: boolean
  /** From the config. */
  enabled: boolean
  paused: boolean
  /** ISO; null when not paused or paused until resumed. */
  pausedUntil: string | null
  /** Where its jobs go: the type's lane resolved with its params. */
  lane: string | null
  /** ISO-8601 UTC; none while disabled. */
  nextFires: string[]
  lastFire: ScheduleFire | null
}

/** An upcoming fire as the Timeline draws it ahead of now. */
export interface ForecastFire {
  schedule: string
  type: string
  lane: string
  laneLimit: number
  /** ISO-8601 UTC. */
  at: string
  /** How long it is expected to run: the type's p95, else its average; null without history. */
  expectedMs: number | null
  basis: 'p95' | 'average' | null
}

/** The policies in words (README table, CLI, views). */
export const MISSED_WORDS: Record<MissedPolicy, string> = {
  skip: 'record every missed fire as missed; run none of them',
  latest: 'run one job for the most recent missed fire inside the catch-up window; record the others as missed',
  all: 'run one job for each missed fire inside the catch-up window, oldest first',
}

export const OVERLAP_WORDS: Record<OverlapPolicy, string> = {
  skip: "record the fire as skipped, naming the previous job, while that job is queued or running",
  queue: 'hold the fire until the previous job finishes, then enqueue it (one fire waits at most; later ones are skipped)',
  allow: 'enqueue it anyway; both jobs may run at once where the lane allows',
}
