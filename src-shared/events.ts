// Every change the engine makes is announced, so views subscribe instead of polling.
import type { Job, LogLine, Progress, Run } from './domain'
import type { Health, HostSample } from './monitor'
import type { DatabaseState } from './connection'
import type { GateBlock } from './wait-reason'
import type { SourceInfo } from './sources'
import type { AlertDelivery } from './alerts'
import type { ConcurrencyChange } from './monitor'
import type { RetentionPass } from './retention'

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
  /** A host sample (about once a second) with the health it leads to. */
  'monitor.sample': { sample: HostSample; health: Health }
  'health.changed': { health: Health }
  /** Job types the resource gate holds back now, with the reason (empty when none). */
  'runner.waiting': { reasons: Record<string, GateBlock> }
  'run.usage': { runId: string; cpuPercent: number; rssBytes: number; cpuSeconds: number | null; peakRssBytes: number | null }
  /** A run has taken longer than its type's usual (p95) duration times the overrun factor. Once per run. */
  'run.overrun': { runId: string; jobId: string; type: string; elapsedMs: number; usualMs: number; factor: number }
  /**
   * Schedules: fires missed while Jobdeck was not running (or the clock jumped), summed up per
   * schedule ("nightly missed 3 fires; ran the latest"), and a skipped fire of a schedule with
   * `notifySkipped: true`. For the desktop's notifications.
   */
  'schedule.notice': { schedule: string; kind: 'missed' | 'skipped'; message: string; at: string }
  /** A source went online or offline, or a poll mirrored rows (a backfill is announced only here, not row by row). */
  'source.changed': { source: SourceInfo; mirrored: number }
  /** A source row has run past its `stuckAfter`. Once per run, ever. */
  'run.stuck': { runId: string; jobId: string; type: string; source: string; sourceId: string; startedAt: string; stuckAfterMs: number }
  /** An alert delivery was tried: sent, failed for now (retried), or given up. */
  'alert.delivered': { delivery: AlertDelivery }
  /** An alert for the `desktop` channel: the app shows it as a notification (nothing headless). */
  'alert.desktop': { title: string; body: string; target: string; urgency: 'normal' | 'critical'; tag: string }
  /** The runner's effective concurrency changed (adaptive concurrency). */
  'runner.concurrency': { change: ConcurrencyChange }
  /** A retention pass finished. */
  'retention.ran': { pass: RetentionPass }
  /** Shared mode: the database went offline, came back, or the cache caught up. */
  'connection.changed': { connection: DatabaseState }
}

export type EventName = keyof EventMap
