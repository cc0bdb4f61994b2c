// Every change the engine makes is announced, so views subscribe instead of polling.
import type { Job, LogLine, Progress, Run } from './domain'

export interface EventMap {
  /** A job row changed (enqueued, claimed, finished, canceled, reprioritised, …). */
  'job.changed': { job: Job }
  /** A run row changed (started, finished, interrupted). */
  'run.changed': { run: Run }
  'run.progress': { runId: string; jobId: string; progress: Progress; itemsOk: number | null; itemsFailed: number | null }
  'run.log': { lines: LogLine[] }
  'jobs.cleared': { count: number; before: string }
  'runner.changed': { paused: boolean; state: 'running' | 'idle' | 'paused' | 'stopped' }
  'config.changed': { path: string; ok: boolean; errors: string[] }
}

export type EventName = keyof EventMap
