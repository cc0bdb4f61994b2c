// Where schedules keep their fires and pauses: the local SQLite file, or the shared PostgreSQL
// database (with the outbox while it is unreachable). The scheduler and the API's schedule
// services use only this; both sides answer with promises.
import type { Job } from '../../../src-shared/domain'
import type { FireOutcome, ScheduleFire } from '../../../src-shared/schedules'
import type { PreviousJob, SchedulePause } from '../model/schedule-policy'
import type { NewJob } from './store-types'

export type { PreviousJob, SchedulePause }

/** A fire as stored: times in epoch ms. */
export interface FireRecord {
  schedule: string
  scheduledFor: number
  firedAt: number
  outcome: FireOutcome
  reason: string | null
  jobId: string | null
}

/** A fire to record, with the job it enqueues (enqueued and manual fires only). */
export interface FireWrite {
  fire: FireRecord
  job: NewJob | null
}

export interface FireFilter {
  schedule?: string
  outcome?: FireOutcome
  /** Epoch ms, inclusive, on the scheduled time. */
  since?: number
  until?: number
  limit: number
  /** Keyset: fires strictly before this (scheduledFor, schedule) in newest-first order. */
  before?: { at: number; schedule: string }
}

export interface ScheduleStore {
  /**
   * Records fires, each with its job in the same transaction. A key already recorded (by a
   * restart, or another instance) inserts nothing and enqueues nothing. Returns what was recorded.
   */
  record(writes: readonly FireWrite[], now: number): Promise<Array<{ fire: FireRecord; job: Job | null }>>
  /** The latest scheduled time recorded per schedule (any outcome), for the names given. */
  latestFireTimes(names: readonly string[]): Promise<Map<string, number>>
  /** The latest fire per schedule, for the names given. */
  lastFires(names: readonly string[]): Promise<Map<string, FireRecord>>
  /** Newest first by (scheduledFor, schedule). */
  fires(filter: FireFilter): Promise<FireRecord[]>
  pauses(): Promise<Map<string, SchedulePause>>
  /** null resumes. */
  setPause(schedule: string, pause: SchedulePause | null): Promise<void>
  /** The newest queued, retrying or running job of each schedule named that has one. */
  unfinishedJobs(names: readonly string[]): Promise<Map<string, PreviousJob>>
}

export function toScheduleFire(record: FireRecord): ScheduleFire {
  return {
    schedule: record.schedule,
    scheduledFor: new Date(record.scheduledFor).toISOString(),
    firedAt: new Date(record.firedAt).toISOString(),
    outcome: record.outcome,
    reason: record.reason,
    jobId: record.jobId,
  }
}

/** A fire as both stores keep it (the same columns in SQLite and PostgreSQL). */
export interface FireRow {
  schedule: string
  scheduled_for: number
  fired_at: number
  outcome: FireOutcome
  reason: string | null
  job_id: string | null
}

export function fireRecordOf(row: FireRow): FireRecord {
  return { schedule: row.schedule, scheduledFor: row.scheduled_for, firedAt: row.fired_at, outcome: row.outcome, reason: row.reason, jobId: row.job_id }
}
