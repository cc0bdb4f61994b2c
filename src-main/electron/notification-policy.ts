// Which native notifications to show, decided without Electron: from engine events and the
// operator's switches to `NotificationRequest`s (title, body, the route a click opens). notifier.ts
// only shows them.
//  - failure: a job failed after its last retry (`retrying` never notifies); one notification per
//    job run; a burst is grouped into one "N jobs failed";
//  - health: resources became critical, and recovered;
//  - connection (shared mode): database connection lost, and restored;
//  - overrun: a run is taking much longer than its type usually does; under the same switch, a
//    source row running past its `stuckAfter` (`run.stuck`, once per run), grouped like failures;
//  - schedule: fires missed while Jobdeck was not running (one summary per schedule at start),
//    and skipped fires of a schedule whose config says `notifySkipped: true` (off by default).
//    Under the global switch only: the per-schedule switch is the config's.
//  - alert: a message of an `alerts.channels` desktop channel (`alert.desktop`), already grouped
//    and decided by the engine's alert rules; under the global switch only (the rules route it).
import type { DesktopSettings, NotificationKind } from '../../src-shared/desktop'
import type { DatabaseState } from '../../src-shared/connection'
import type { Job } from '../../src-shared/domain'
import type { EventMap } from '../../src-shared/events'
import type { HealthLevel } from '../../src-shared/monitor'
import { formatDuration } from '../../src-shared/units'
import { Burst, type BurstTimers } from './notification-burst'

export interface NotificationRequest {
  kind: NotificationKind | 'schedule' | 'alert'
  title: string
  body: string
  /** The renderer route a click opens (hash router), e.g. `/history?run=01J…`. */
  target: string
  urgency: 'normal' | 'critical'
  /** Notifications with the same tag replace each other where the OS supports it. */
  tag: string
}

/** macOS shows at most 256 bytes of a notification body. */
export const BODY_MAX_BYTES = 256
const TITLE_MAX_BYTES = 120

const encoder = new TextEncoder()
const byteLength = (text: string): number => encoder.encode(text).length

function characters(text: string): string[] {
  if (typeof Intl !== 'undefined' && 'Segmenter' in Intl) {
    return Array.from(new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(text), (s) => s.segment)
  }
  return Array.from(text)
}

/** Cuts `text` to at most `maxBytes` of UTF-8, between characters (grapheme clusters), ending with `…` when cut. */
export function truncateUtf8(text: string, maxBytes: number = BODY_MAX_BYTES): string {
  if (byteLength(text) <= maxBytes) return text
  const ellipsis = '…'
  const budget = maxBytes - byteLength(ellipsis)
  let used = 0
  let out = ''
  for (const char of characters(text)) {
    const size = byteLength(char)
    if (used + size > budget) break
    out += char
    used += size
  }
  return `${out.trimEnd()}${ellipsis}`
}

/** The first non-blank line of an error, without control characters. */
export function firstLine(text: string | null): string | null {
  if (text === null) return null
  for (const line of text.split(/\r?\n|\r/)) {
    // eslint-disable-next-line no-control-regex
    const clean = line.replace(/[\u0000-\u001f\u007f]/g, ' ').trim()
    if (clean !== '') return clean
  }
  return null
}

export const runRoute = (view: 'history' | 'queue', runId: string): string => `/${view}?run=${encodeURIComponent(runId)}`

type NotificationSettings = DesktopSettings['notifications']

export interface NotificationPolicyOptions {
  settings: () => NotificationSettings
  notify: (request: NotificationRequest) => void
  /** The type's title from the config, when it has one. */
  titleOf?: (type: string) => string | undefined
  /** A failure waits this long for others to group with… */
  groupQuietMs?: number
  /** …but never longer than this after the first of the burst. */
  groupMaxWaitMs?: number
  /** A lost connection is not announced again within this time of the last announcement (a flapping network). */
  connectionRepeatMs?: number
  now?: () => number
  timers?: BurstTimers
}

interface PendingFailure {
  jobId: string
  runId: string | null
  type: string
  error: string | null
  attempts: number
}

/** How many failed job runs are remembered to avoid announcing one twice. */
const SEEN_LIMIT = 5000

export class NotificationPolicy {
  private readonly quietMs: number
  private readonly maxWaitMs: number
  private readonly repeatMs: number
  private readonly now: () => number
  private readonly timers: NonNullable<NotificationPolicyOptions['timers']>
  private readonly announced = new Map<string, true>()
  private readonly failures: Burst<PendingFailure>
  private readonly stuck: Burst<EventMap['run.stuck']>
  private healthLevel: HealthLevel | null = null
  private criticalAnnounced = false
  private connection: DatabaseState | null = null
  private everOnline = false
  private lostAnnounced = false
  private lastLostAt = -Infinity

  constructor(private readonly options: NotificationPolicyOptions) {
    this.quietMs = options.groupQuietMs ?? 2_000
    this.maxWaitMs = options.groupMaxWaitMs ?? 10_000
    this.repeatMs = options.connectionRepeatMs ?? 5 * 60_000
    this.now = options.now ?? Date.now
    this.timers = options.timers ?? { set: (fn, ms) => setTimeout(fn, ms), clear: (h) => clearTimeout(h as ReturnType<typeof setTimeout>) }
    this.failures = new Burst(this.quietMs, this.maxWaitMs, this.timers, (failures) => this.tellFailures(failures))
    this.stuck = new Burst(this.quietMs, this.maxWaitMs, this.timers, (rows) => this.tellStuck(rows))
  }

  /** Feed every engine event here. */
  handle(name: string, payload: unknown): void {
    switch (name) {
      case 'job.changed':
        return this.jobChanged((payload as EventMap['job.changed']).job)
      case 'health.changed':
        return this.healthChanged(payload as EventMap['health.changed'])
      case 'connection.changed':
        return this.connectionChanged((payload as EventMap['connection.changed']).connection)
      case 'run.overrun':
        return this.overrun(payload as EventMap['run.overrun'])
      case 'schedule.notice':
        return this.scheduleNotice(payload as EventMap['schedule.notice'])
      case 'run.stuck':
        return this.runStuck(payload as EventMap['run.stuck'])
      case 'alert.desktop':
        return this.alertNotice(payload as EventMap['alert.desktop'])
    }
  }

  /** Shows pending grouped failures and stuck rows now (e.g. before quitting). */
  flush(): void {
    this.failures.flush()
    this.stuck.flush()
  }

  private tellFailures(failures: PendingFailure[]): void {
    if (failures.length === 1) {
      this.options.notify(this.failureNotification(failures[0] as PendingFailure))
      return
    }
    this.options.notify({
      kind: 'failure',
      title: `${failures.length} jobs failed`,
      body: truncateUtf8(this.typeSummary(failures)),
      // The Queue view lists the recent failures.
      target: '/queue',
      urgency: 'normal',
      tag: 'failures',
    })
  }

  /** `Daily report ×3, Dealer sync`: a burst by type, most first. */
  private typeSummary(items: ReadonlyArray<{ type: string }>): string {
    const byType = new Map<string, number>()
    for (const f of items) byType.set(f.type, (byType.get(f.type) ?? 0) + 1)
    return [...byType.entries()]
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .map(([type, n]) => (n > 1 ? `${this.title(type)} ×${n}` : this.title(type)))
      .join(', ')
  }

  dispose(): void {
    this.failures.dispose()
    this.stuck.dispose()
  }

  private enabled(kind: NotificationKind, type?: string): boolean {
    const s = this.options.settings()
    if (!s.enabled || !s[kind]) return false
    return type === undefined || !s.mutedTypes.includes(type)
  }

  private title(type: string): string {
    return this.options.titleOf?.(type) ?? type
  }

  /** Was this news already told (or decided against)? Remembers the last SEEN_LIMIT. */
  private seen(key: string): boolean {
    if (this.announced.has(key)) return true
    this.announced.set(key, true)
    if (this.announced.size > SEEN_LIMIT) this.announced.delete(this.announced.keys().next().value as string)
    return false
  }

  private jobChanged(job: Job): void {
    if (job.status !== 'failed') return
    if (this.seen(`${job.id}:${job.lastRunId ?? ''}`)) return
    if (!this.enabled('failure', job.type)) return
    this.failures.add({ jobId: job.id, runId: job.lastRunId, type: job.type, error: job.error, attempts: job.attempts })
  }

  private runStuck(p: EventMap['run.stuck']): void {
    if (this.seen(`stuck:${p.runId}`)) return
    if (!this.enabled('overrun', p.type)) return
    this.stuck.add(p)
  }

  private tellStuck(rows: Array<EventMap['run.stuck']>): void {
    const [one] = rows
    if (rows.length === 1 && one) {
      const started = Date.parse(one.startedAt)
      const running = Number.isFinite(started) ? `running for ${formatDuration(Math.max(0, this.now() - started))}` : 'running'
      this.options.notify({
        kind: 'overrun',
        title: truncateUtf8(`${this.title(one.type)} is stuck`, TITLE_MAX_BYTES),
        body: truncateUtf8(`Row ${one.sourceId} of ${one.source} is still ${running}, past its limit of ${formatDuration(one.stuckAfterMs)}.`),
        target: runRoute('queue', one.runId),
        urgency: 'normal',
        tag: `stuck:${one.runId}`,
      })
      return
    }
    this.options.notify({
      kind: 'overrun',
      title: `${rows.length} source rows stuck`,
      body: truncateUtf8(this.typeSummary(rows)),
      // The Queue's section of sources' rows lists the stuck ones.
      target: '/queue',
      urgency: 'normal',
      tag: 'stuck',
    })
  }

  private failureNotification(f: PendingFailure): NotificationRequest {
    const line = firstLine(f.error)
    const attempts = f.attempts > 1 ? ` after ${f.attempts} attempts` : ''
    return {
      kind: 'failure',
      title: truncateUtf8(`${this.title(f.type)} failed${attempts}`, TITLE_MAX_BYTES),
      body: truncateUtf8(line ?? 'It stopped without an error message; its log may say why.'),
      target: f.runId ? runRoute('history', f.runId) : '/queue',
      urgency: 'normal',
      tag: `failure:${f.jobId}`,
    }
  }

  private healthChanged({ health }: EventMap['health.changed']): void {
    const previous = this.healthLevel
    this.healthLevel = health.level
    const reasons = health.reasons.join('; ')
    if (health.level === 'critical' && previous !== 'critical') {
      this.criticalAnnounced = this.enabled('health')
      if (!this.criticalAnnounced) return
      this.options.notify({
        kind: 'health',
        title: 'Resources critical',
        body: truncateUtf8(`${reasons || 'The host is short of resources'}. New jobs wait until it recovers.`),
        target: '/resources',
        urgency: 'critical',
        tag: 'health',
      })
    } else if (previous === 'critical' && health.level !== 'critical') {
      const announced = this.criticalAnnounced
      this.criticalAnnounced = false
      if (!announced || !this.enabled('health')) return
      this.options.notify({
        kind: 'health',
        title: 'Resources recovered',
        body: truncateUtf8(
          health.level === 'warning' ? `Back to warning: ${reasons || 'close to the limits'}. Waiting jobs may start again.` : 'Back to healthy. Waiting jobs start again.',
        ),
        target: '/resources',
        urgency: 'normal',
        tag: 'health',
      })
    }
  }

  private connectionChanged(next: DatabaseState): void {
    const previous = this.connection
    this.connection = next
    if (next.mode !== 'shared') return
    if (next.status === 'online') {
      const wasLost = previous?.status === 'offline'
      const announced = this.lostAnnounced
      this.everOnline = true
      this.lostAnnounced = false
      if (!wasLost || !announced || !this.enabled('connection')) return
      const since = previous?.offlineSince ? Date.parse(previous.offlineSince) : NaN
      const offlineFor = Number.isFinite(since) ? ` after ${formatDuration(Math.max(0, this.now() - since))} offline` : ''
      const outbox = next.outboxPending > 0 ? ` Sending the ${next.outboxPending} result${next.outboxPending === 1 ? '' : 's'} kept meanwhile.` : ''
      this.options.notify({
        kind: 'connection',
        title: 'Database connection restored',
        body: truncateUtf8(`Back online${offlineFor}.${outbox}`),
        target: '/settings',
        urgency: 'normal',
        tag: 'connection',
      })
      return
    }
    if (next.status !== 'offline' || previous?.status === 'offline') return
    const now = this.now()
    this.lostAnnounced = now - this.lastLostAt >= this.repeatMs && this.enabled('connection')
    if (!this.lostAnnounced) return
    this.lastLostAt = now
    this.options.notify({
      kind: 'connection',
      title: this.everOnline ? 'Database connection lost' : 'Cannot reach the database',
      body: truncateUtf8(`${firstLine(next.error) ?? 'The shared database does not answer'}. Jobs keep running here; results are kept and sent when it returns.`),
      target: '/settings',
      urgency: 'critical',
      tag: 'connection',
    })
  }

  private overrun(p: EventMap['run.overrun']): void {
    if (!this.enabled('overrun', p.type)) return
    this.options.notify({
      kind: 'overrun',
      title: truncateUtf8(`${this.title(p.type)} is taking long`, TITLE_MAX_BYTES),
      body: truncateUtf8(`Running for ${formatDuration(p.elapsedMs)}; it usually takes ${formatDuration(p.usualMs)}.`),
      target: runRoute('queue', p.runId),
      urgency: 'normal',
      tag: `overrun:${p.runId}`,
    })
  }

  private scheduleNotice(p: EventMap['schedule.notice']): void {
    if (!this.options.settings().enabled) return
    this.options.notify({
      kind: 'schedule',
      title: truncateUtf8(p.kind === 'missed' ? `${p.schedule}: missed fires` : `${p.schedule}: fire skipped`, TITLE_MAX_BYTES),
      body: truncateUtf8(p.message),
      target: `/schedules?schedule=${encodeURIComponent(p.schedule)}`,
      urgency: 'normal',
      tag: `schedule:${p.kind}:${p.schedule}`,
    })
  }

  private alertNotice(p: EventMap['alert.desktop']): void {
    if (!this.options.settings().enabled) return
    this.options.notify({
      kind: 'alert',
      title: truncateUtf8(p.title, TITLE_MAX_BYTES),
      body: truncateUtf8(firstLine(p.body) ?? ''),
      target: p.target,
      urgency: p.urgency,
      tag: p.tag,
    })
  }
}
