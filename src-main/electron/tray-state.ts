// What the tray shows, decided without Electron: which image (idle / running / attention /
// offline), the tooltip line and the menu model. `TrayModel` follows the engine (a runner.status
// snapshot plus events in between); `trayView` turns its facts into what tray.ts draws.
import type { Job, RunnerState, RunnerStatus } from '../../src-shared/domain'
import type { DatabaseState } from '../../src-shared/connection'
import type { EventMap } from '../../src-shared/events'
import { formatDuration } from '../../src-shared/units'

export type TrayImage = 'idle' | 'running' | 'attention' | 'offline'
export const TRAY_IMAGES: readonly TrayImage[] = ['idle', 'running', 'attention', 'offline']

export interface TrayRun {
  runId: string
  jobId: string
  type: string
  startedAt: string
  percent: number | null
  message: string | null
}

export interface UnseenFailure {
  jobId: string
  runId: string | null
  type: string
  /** A source row running past its `stuckAfter` (not failed: still running, to look at on the Queue). */
  stuck?: true
}

export interface TrayFacts {
  /** null until the engine answered once (starting, or restarting). */
  runnerState: RunnerState | null
  paused: boolean
  /** This runner's runs, for the menu. */
  running: TrayRun[]
  counts: { running: number; queued: number; retrying: number }
  /** Failures after the last retry, and stuck source rows, that the operator has not looked at yet (oldest first). */
  unseenFailures: UnseenFailure[]
  connection: DatabaseState | null
  /** Set while a quit waits for running jobs. */
  quitting: 'waiting' | 'canceling' | null
}

export type TrayAction =
  | { type: 'show' }
  /** Opens the run panel over `view`: the Queue for a running run, History for a finished one. */
  | { type: 'open-run'; runId: string; view: 'queue' | 'history' }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'quit' }

export type TrayMenuItem =
  | { kind: 'action'; label: string; action: TrayAction; enabled: boolean }
  | { kind: 'label'; label: string }
  | { kind: 'separator' }

export interface TrayView {
  image: TrayImage
  tooltip: string
  menu: TrayMenuItem[]
}

export interface TrayViewOptions {
  now?: number
  /** The type's title from the config, when it has one. */
  titleOf?: (type: string) => string | undefined
  /** Runs listed in the menu; more are summarised in one line. */
  maxRuns?: number
}

/** Windows cuts tray tooltips at 127 characters. */
export const TOOLTIP_MAX = 127

export function isOffline(connection: DatabaseState | null): boolean {
  return connection !== null && connection.mode === 'shared' && connection.status === 'offline'
}

/**
 * Attention outranks offline: a new failure is what the operator must act on, and it clears once
 * seen, after which an ongoing offline state shows again. Offline outranks running, because while
 * offline the running jobs' results wait in the outbox.
 */
export function trayImage(facts: TrayFacts): TrayImage {
  if (facts.unseenFailures.length > 0) return 'attention'
  if (isOffline(facts.connection)) return 'offline'
  if (facts.counts.running > 0 || facts.running.length > 0) return 'running'
  return 'idle'
}

const plural = (n: number, word: string, words = `${word}s`): string => `${n} ${n === 1 ? word : words}`

export function trayTooltip(facts: TrayFacts): string {
  if (facts.runnerState === null) return 'Jobdeck · starting the engine…'
  const parts: string[] = []
  const running = Math.max(facts.counts.running, facts.running.length)
  parts.push(`${running} running`, `${facts.counts.queued} queued`)
  if (facts.counts.retrying > 0) parts.push(`${facts.counts.retrying} retrying`)
  const stuck = facts.unseenFailures.filter((f) => f.stuck).length
  if (facts.unseenFailures.length > stuck) parts.push(`${facts.unseenFailures.length - stuck} failed`)
  if (stuck > 0) parts.push(`${stuck} stuck`)
  if (facts.quitting) parts.push(facts.quitting === 'waiting' ? 'quitting when done' : 'canceling to quit')
  else if (facts.runnerState === 'stopped') parts.push('standby (another runner holds the queue)')
  else if (facts.paused) parts.push('paused')
  if (isOffline(facts.connection)) parts.push('database offline')
  const text = parts.join(' · ')
  return text.length <= TOOLTIP_MAX ? text : `${text.slice(0, TOOLTIP_MAX - 1)}…`
}

function runLabel(run: TrayRun, options: TrayViewOptions): string {
  const title = options.titleOf?.(run.type) ?? run.type
  const started = Date.parse(run.startedAt)
  const elapsed = options.now !== undefined && Number.isFinite(started) ? formatDuration(Math.max(0, options.now - started)) : null
  const detail = [run.percent !== null ? `${Math.round(run.percent)}%` : null, run.message, run.percent === null ? elapsed : null]
    .filter((part): part is string => part !== null && part !== '')
    .join(' · ')
  const label = detail ? `${title} — ${detail}` : title
  return label.length <= 80 ? label : `${label.slice(0, 79)}…`
}

/** `Failed: Daily report`, `Stuck: legacy/report`, `3 jobs failed — show the last`, `2 failed, 1 stuck — show the last`. */
function attentionLabel(unseen: readonly UnseenFailure[], options: TrayViewOptions): string {
  const last = unseen[unseen.length - 1] as UnseenFailure
  if (unseen.length === 1) return `${last.stuck ? 'Stuck' : 'Failed'}: ${options.titleOf?.(last.type) ?? last.type}`
  const stuck = unseen.filter((f) => f.stuck).length
  if (stuck === 0) return `${unseen.length} jobs failed — show the last`
  if (stuck === unseen.length) return `${stuck} source rows stuck — show the last`
  return `${unseen.length - stuck} failed, ${stuck} stuck — show the last`
}

export function trayView(facts: TrayFacts, options: TrayViewOptions = {}): TrayView {
  const maxRuns = options.maxRuns ?? 5
  const menu: TrayMenuItem[] = [{ kind: 'action', label: 'Show Jobdeck', action: { type: 'show' }, enabled: true }, { kind: 'separator' }]

  if (facts.running.length === 0) {
    menu.push({ kind: 'label', label: facts.runnerState === null ? 'Starting the engine…' : 'Nothing running' })
  } else {
    for (const run of facts.running.slice(0, maxRuns)) {
      menu.push({ kind: 'action', label: runLabel(run, options), action: { type: 'open-run', runId: run.runId, view: 'queue' }, enabled: true })
    }
    if (facts.running.length > maxRuns) menu.push({ kind: 'label', label: `…and ${facts.running.length - maxRuns} more running` })
  }
  if (facts.counts.queued > 0) menu.push({ kind: 'label', label: `${plural(facts.counts.queued, 'job')} queued` })
  const lastFailure = facts.unseenFailures[facts.unseenFailures.length - 1]
  if (lastFailure) {
    // A stuck row is still running: its run opens over the Queue.
    menu.push(
      lastFailure.runId
        ? { kind: 'action', label: attentionLabel(facts.unseenFailures, options), action: { type: 'open-run', runId: lastFailure.runId, view: lastFailure.stuck ? 'queue' : 'history' }, enabled: true }
        : { kind: 'action', label: attentionLabel(facts.unseenFailures, options), action: { type: 'show' }, enabled: true },
    )
  }
  if (isOffline(facts.connection)) menu.push({ kind: 'label', label: 'Database offline: results are kept and sent when it returns' })

  menu.push({ kind: 'separator' })
  const canSteer = facts.runnerState !== null && facts.runnerState !== 'stopped' && facts.quitting === null
  menu.push(
    facts.paused
      ? { kind: 'action', label: 'Resume runner', action: { type: 'resume' }, enabled: canSteer }
      : { kind: 'action', label: 'Pause runner', action: { type: 'pause' }, enabled: canSteer },
  )
  if (facts.quitting === 'waiting') menu.push({ kind: 'label', label: 'Quitting when the running jobs finish' })
  if (facts.quitting === 'canceling') menu.push({ kind: 'label', label: 'Canceling the running jobs, then quitting' })
  menu.push({ kind: 'separator' }, { kind: 'action', label: facts.quitting ? 'Quit now…' : 'Quit Jobdeck', action: { type: 'quit' }, enabled: true })

  return { image: trayImage(facts), tooltip: trayTooltip(facts), menu }
}

const EMPTY_FACTS: TrayFacts = {
  runnerState: null,
  paused: false,
  running: [],
  counts: { running: 0, queued: 0, retrying: 0 },
  unseenFailures: [],
  connection: null,
  quitting: null,
}

/** How many failures stay listed as unseen (the count in the tooltip keeps meaning "some"). */
const MAX_UNSEEN = 1000

/**
 * The tray's knowledge of the engine. `applyStatus` takes a runner.status snapshot (after changes
 * settle); `applyEvent` keeps progress, runner state, connection and failures current in between
 * and says whether a new snapshot is worth asking for.
 */
export class TrayModel {
  private state: TrayFacts = EMPTY_FACTS

  get facts(): TrayFacts {
    return this.state
  }

  applyStatus(status: RunnerStatus): void {
    this.state = {
      ...this.state,
      runnerState: status.state,
      paused: status.paused,
      running: status.running.map(({ job, run }) => ({
        runId: run.id,
        jobId: job.id,
        type: run.type,
        startedAt: run.startedAt,
        percent: run.progress.percent,
        message: run.progress.message,
      })),
      counts: { running: status.counts.running ?? 0, queued: status.counts.queued ?? 0, retrying: status.counts.retrying ?? 0 },
      connection: status.connection ?? this.state.connection,
    }
  }

  /** The engine went away (restart): its runner state is unknown until it answers again. */
  engineDown(): void {
    this.state = { ...this.state, runnerState: null, running: [], counts: { running: 0, queued: this.state.counts.queued, retrying: this.state.counts.retrying } }
  }

  /** Returns true when a fresh runner.status should follow (counts and runs changed). */
  applyEvent(name: string, payload: unknown): boolean {
    switch (name) {
      case 'job.changed':
        this.jobChanged((payload as EventMap['job.changed']).job)
        return true
      case 'run.changed':
      case 'jobs.cleared':
        return true
      case 'run.progress': {
        const p = payload as EventMap['run.progress']
        this.state = {
          ...this.state,
          running: this.state.running.map((run) =>
            run.runId === p.runId ? { ...run, percent: p.progress.percent, message: p.progress.message } : run,
          ),
        }
        return false
      }
      case 'runner.changed': {
        const p = payload as EventMap['runner.changed']
        this.state = { ...this.state, paused: p.paused, runnerState: p.state }
        return false
      }
      case 'connection.changed':
        this.state = { ...this.state, connection: (payload as EventMap['connection.changed']).connection }
        return false
      case 'run.stuck': {
        const p = payload as EventMap['run.stuck']
        const others = this.state.unseenFailures.filter((f) => f.jobId !== p.jobId)
        this.state = { ...this.state, unseenFailures: [...others, { jobId: p.jobId, runId: p.runId, type: p.type, stuck: true as const }].slice(-MAX_UNSEEN) }
        return false
      }
      default:
        return false
    }
  }

  /** The operator looked at the window: failures are seen. */
  markSeen(): void {
    if (this.state.unseenFailures.length > 0) this.state = { ...this.state, unseenFailures: [] }
  }

  setQuitting(quitting: TrayFacts['quitting']): void {
    this.state = { ...this.state, quitting }
  }

  private jobChanged(job: Job): void {
    // A stuck row stays to look at while it still runs (its row may change meanwhile).
    if (job.status === 'running' && this.state.unseenFailures.some((f) => f.jobId === job.id && f.stuck)) return
    const others = this.state.unseenFailures.filter((f) => f.jobId !== job.id)
    if (job.status === 'failed') {
      const failure = { jobId: job.id, runId: job.lastRunId, type: job.type }
      this.state = { ...this.state, unseenFailures: [...others, failure].slice(-MAX_UNSEEN) }
    } else if (others.length !== this.state.unseenFailures.length) {
      // Retried, or otherwise moved on: no longer a failure to look at.
      this.state = { ...this.state, unseenFailures: others }
    }
  }
}
