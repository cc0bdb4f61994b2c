// TEMPORARY: the issue-14 contract's shapes, until h14-core's src-shared types are merged; then
// this file re-exports them (or goes). Names and fields exactly as the contract says.
import type { Priority } from '../../src-shared/domain'

export type FireOutcome = 'enqueued' | 'skipped' | 'missed' | 'paused' | 'manual'

export interface ScheduleFire {
  schedule: string
  scheduledFor: string
  firedAt: string
  outcome: FireOutcome
  reason: string | null
  jobId: string | null
}

export interface ScheduleInfo {
  name: string
  job: string
  params: Record<string, unknown>
  cron: string | null
  every: string | null
  description: string
  timezone: string
  priority: Priority | null
  missed: 'skip' | 'latest' | 'all'
  catchupWindowMs: number
  overlap: 'skip' | 'queue' | 'allow'
  jitterMs: number
  notifySkipped: boolean
  enabled: boolean
  paused: boolean
  pausedUntil: string | null
  lane: string | null
  nextFires: string[]
  lastFire: ScheduleFire | null
}

export interface ForecastFire {
  schedule: string
  type: string
  lane: string
  laneLimit: number
  at: string
  expectedMs: number | null
  basis: 'p95' | 'average' | null
}
