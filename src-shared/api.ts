// The one API every transport carries: method name → input schema. The core's services
// implement `JobdeckApi`; transports only move `{method, args}` and results.
import { z } from 'zod'
import type { JobTypeInfo, MonitorConfig } from './config-schema'
import type { Job, LogLine, Run, RunnerStatus, TimelineExtent, TimelinePage, TypeStats } from './domain'
import type { WaitReason } from './wait-reason'
import type { ListedRun, RunCount } from './search'
import { PRIORITIES, RUN_STATUSES, TERMINAL_JOB_STATUSES } from './domain'
import type { ConcurrencyChange, Health, HostMinute, HostSample, RunUsage } from './monitor'
import type { DatabaseState, ConnectionTestResult } from './connection'
import type { GateBlock } from './wait-reason'
import { FIRE_OUTCOMES, type ForecastFire, type ScheduleFire, type ScheduleInfo } from './schedules'
import type { Overlap, SourceInfo, SourceQueue, SourceTestResult } from './sources'
import type { AlertDelivery, AlertsOverview } from './alerts'
import type { RetentionPass, RetentionStatus } from './retention'
import { ROLES, type ApiToken, type Caller, type AuditRecord, type CreatedToken, type MethodAccess, type Session } from './access'

const id = z.string().min(1, 'expected a job or run id').max(64)
const paramsInput = z.record(z.string(), z.unknown())
/** ISO-8601 date/time, or epoch milliseconds. */
const instant = z.union([z.string().min(1), z.number()])

export const apiInputs = {
  'jobs.enqueue': z.strictObject({
    type: z.string().min(1),
    params: paramsInput.default({}),
    priority: z.enum(PRIORITIES).optional(),
  }),
  'jobs.enqueueBulk': z.strictObject({
    type: z.string().min(1),
    rows: z.array(paramsInput).min(1, 'expected at least one row').max(100_000),
    priority: z.enum(PRIORITIES).optional(),
  }),
  'jobs.cancel': z.strictObject({ id }),
  /**
   * Undoes a cancel made while the job waited: it waits again exactly as it was, with its
   * priority, its place in the run order and its retry time. A job that ran is retried instead.
   */
  'jobs.restore': z.strictObject({ id }),
  /** One job (a run id finds its job): its runs, and while it waits its place and why. */
  'jobs.get': z.strictObject({ id }),
  /**
   * Finished jobs of one status, newest first by when they finished, in keyset pages, with a
   * count of all that match up to `countUpTo`. (Waiting and running jobs come with runner.status.)
   */
  'jobs.list': z.strictObject({
    status: z.enum(TERMINAL_JOB_STATUSES),
    type: z.string().optional(),
    /** Only jobs mirrored from this source (`sources:` name); `-` for Jobdeck's own only. */
    source: z.string().min(1).max(64).optional(),
    since: instant.optional(),
    until: instant.optional(),
    limit: z.number().int().min(1).max(1000).default(100),
    before: z.strictObject({ at: instant, id: z.string().max(64) }).optional(),
    countUpTo: z.number().int().min(0).max(100_000).default(10_000),
  }),
  'jobs.retry': z.strictObject({ id }),
  /**
   * Lets a waiting job past the resource gate once (its lane and the runner's limits still
   * apply); recorded on its run (`gateBypassed`).
   */
  'jobs.startNow': z.strictObject({ id }),
  'jobs.setPriority': z.strictObject({ id, priority: z.enum(PRIORITIES) }),
  'jobs.clear': z.strictObject({ before: instant }),
  'runner.pause': z.strictObject({}),
  'runner.resume': z.strictObject({}),
  /**
   * This process's runner only (not persisted, not shared): stop claiming new jobs while the
   * running ones finish, e.g. before quitting; `draining: false` claims again.
   */
  'runner.drain': z.strictObject({ draining: z.boolean() }),
  'runner.status': z.strictObject({ limit: z.number().int().min(1).max(10_000).default(500) }),
  'runs.list': z.strictObject({
    type: z.string().optional(),
    /** Only runs mirrored from this source (`sources:` name); `-` for Jobdeck's own runs only. */
    source: z.string().min(1).max(64).optional(),
    status: z.enum(RUN_STATUSES).optional(),
    jobId: z.string().optional(),
    since: instant.optional(),
    until: instant.optional(),
    limit: z.number().int().min(1).max(100_000).default(1000),
    before: z.strictObject({ startedAt: z.string(), id: z.string() }).optional(),
    /**
     * Words that must all appear (each as a word prefix) in the run's error or in one line of its
     * output; each run found then says where, as a snippet (`match`).
     */
    search: z.string().max(200).optional(),
  }),
  /**
   * How many runs match the filters of `runs.list`: from the maintained counters when the filter
   * is only a type and/or a status (the total of all history included), else counted up to
   * `countUpTo` (`capped`: more than that match).
   */
  'runs.count': z.strictObject({
    type: z.string().optional(),
    /** Only runs mirrored from this source (`sources:` name); `-` for Jobdeck's own runs only. */
    source: z.string().min(1).max(64).optional(),
    status: z.enum(RUN_STATUSES).optional(),
    jobId: z.string().optional(),
    since: instant.optional(),
    until: instant.optional(),
    search: z.string().max(200).optional(),
    countUpTo: z.number().int().min(0).max(100_000).default(10_000),
  }),
  'runs.export': z.strictObject({
    type: z.string().optional(),
    /** Only runs mirrored from this source (`sources:` name); `-` for Jobdeck's own runs only. */
    source: z.string().min(1).max(64).optional(),
    status: z.enum(RUN_STATUSES).optional(),
    since: instant.optional(),
    until: instant.optional(),
    search: z.string().max(200).optional(),
    limit: z.number().int().min(1).max(1_000_000).default(100_000),
  }),
  'stats.byType': z.strictObject({}),
  'timeline.range': z.strictObject({
    since: instant,
    until: instant,
    groupBy: z.enum(['type', 'lane']).default('type'),
    /** Only runs mirrored from this source (`sources:` name); `-` for Jobdeck's own only. */
    source: z.string().min(1).max(64).optional(),
    /** About one pixel of the chart: shorter runs are counted per bucket instead of listed. */
    bucketMs: z.number().min(1),
    maxItems: z.number().int().min(100).max(20_000).default(5_000),
  }),
  /** The first run start since `since` and the latest start of all: two index seeks, no scan. */
  'timeline.extent': z.strictObject({ since: instant }),
  'runs.get': z.strictObject({ id }),
  'runs.log': z.strictObject({
    id,
    afterId: z.number().int().min(0).default(0),
    limit: z.number().int().min(1).max(100_000).default(10_000),
    /** Only the last `tail` lines (then `afterId` and `limit` are ignored): the end says why a run failed. */
    tail: z.number().int().min(1).max(100_000).optional(),
  }),
  'runs.usage': z.strictObject({ id }),
  'monitor.latest': z.strictObject({}),
  'monitor.range': z.strictObject({
    since: instant,
    until: instant.optional(),
    /** raw samples (kept an hour), per-minute aggregates (kept 30 days), or chosen by the span. */
    resolution: z.enum(['raw', 'minute', 'auto']).default('auto'),
  }),
  'config.get': z.strictObject({}),
  'config.reload': z.strictObject({}),
  'connection.get': z.strictObject({}),
  /** Tries a PostgreSQL URL without changing anything (the Settings test button). */
  'connection.test': z.strictObject({
    url: z.string().min(1, 'expected a PostgreSQL URL like postgres://user@host:5432/jobdeck'),
    password: z.string().max(1000).optional(),
  }),
  /**
   * Writes `postgres.url` into the config file (never the password) and keeps the password
   * through the secret store when one is given. Takes effect when Jobdeck restarts.
   */
  'connection.save': z.strictObject({
    /** null switches back to local mode. */
    url: z.string().min(1).nullable(),
    password: z.string().max(1000).optional(),
    /** The operator accepted a secret store that is not secure (Linux `basic_text`). */
    allowInsecure: z.boolean().default(false),
  }),
  /** Every schedule of the config: in words, zone, enabled/paused, its next `fires` fires and its last fire. */
  'schedules.list': z.strictObject({ fires: z.number().int().min(1).max(50).default(5) }),
  /** Fires of a paused schedule are recorded `paused`, until `until` or a resume; persisted (shared in shared mode). */
  'schedules.pause': z.strictObject({ name: z.string().min(1), until: instant.optional() }),
  'schedules.resume': z.strictObject({ name: z.string().min(1) }),
  /** One job now, recorded as a `manual` fire; overlap and pause do not apply. */
  'schedules.runNow': z.strictObject({ name: z.string().min(1) }),
  /** Fire records newest first (scheduledFor desc, schedule desc), filtered, in keyset pages. */
  'schedules.fires': z.strictObject({
    schedule: z.string().min(1).optional(),
    outcome: z.enum(FIRE_OUTCOMES).optional(),
    since: instant.optional(),
    until: instant.optional(),
    limit: z.number().int().min(1).max(10_000).default(1000),
    before: z.strictObject({ at: instant, schedule: z.string() }).optional(),
  }),
  /** The next fires of a cron (or interval) in a zone, for forms and validation; bad input is refused naming the problem. */
  'schedules.preview': z.strictObject({
    cron: z.string().min(1).max(200).optional(),
    every: z.string().min(1).max(50).optional(),
    timezone: z.string().min(1).max(100).optional(),
    count: z.number().int().min(1).max(100).default(5),
    after: instant.optional(),
  }),
  /** Upcoming fires between two times with the lane they compete for and how long they usually run (the Timeline's ghost bars). */
  'schedules.forecast': z.strictObject({ since: instant, until: instant }),
  /** Every configured source: state, last sync, rows, errors, poll cost and index advice. */
  'sources.list': z.strictObject({}),
  /** One pull of one source (or all) now; answers with their state after it. */
  'sources.sync': z.strictObject({ name: z.string().min(1).optional() }),
  /** Sources' rows waiting and running now (the Queue's read-only section), oldest first; stuck ones flagged by `run.stuckAt`. */
  'sources.queue': z.strictObject({ source: z.string().min(1).max(64).optional(), limit: z.number().int().min(1).max(10_000).default(500) }),
  /** Connects to a source's table and checks it (columns, types, index for the poll) without mirroring anything. */
  'sources.test': z.strictObject({ name: z.string().min(1) }),
  /**
   * Marks a stuck source row failed in its own table (only with `actions.markFailed: true`): one
   * `UPDATE … WHERE id = $1 AND status = <running value>`; answers with the row count.
   */
  'sources.markFailed': z.strictObject({ id }),
  /** Pairs of runs that ran at the same time (across sources and lanes), longest shared span first. */
  'overlaps.list': z.strictObject({
    since: instant,
    until: instant.optional(),
    source: z.string().min(1).max(64).optional(),
    /** Only pairs in the same lane. */
    sameLane: z.boolean().optional(),
    limit: z.number().int().min(1).max(10_000).default(1000),
  }),
  /** Channels, rules, the last `limit` deliveries (newest first) and the snoozes. */
  'alerts.list': z.strictObject({ limit: z.number().int().min(1).max(1000).default(50) }),
  /** Sends a test message to one channel now, through the outbox like any alert; answers with its delivery once tried. */
  'alerts.test': z.strictObject({ channel: z.string().min(1).max(64) }),
  /** Holds back a job type's alerts until `until` (ISO or epoch ms), or lifts the snooze (`until: null`). */
  'alerts.snooze': z.strictObject({ type: z.string().min(1).max(200), until: instant.nullable() }),
  /** The data dir's size by part, what the policy deletes next, and the last pass. */
  'retention.status': z.strictObject({}),
  /** One retention pass now (as the automatic one does, in small batches). */
  'retention.run': z.strictObject({}),
  /** Who this session is and its role (the window hides what the role cannot do). */
  'session.get': z.strictObject({}),
  /** Every API token (never its secret): role, creator, expiry, last use, revocation. */
  'tokens.list': z.strictObject({}),
  /**
   * A new token for another program or user: 256 random bits, shown once in the answer and kept
   * only as its SHA-256. `expires`: a duration from now (`90d`, `12h`), or never.
   */
  'tokens.create': z.strictObject({
    name: z
      .string()
      .min(1)
      .max(64)
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'expected a name of letters, digits, ".", "_" or "-", starting with a letter or digit'),
    role: z.enum(ROLES),
    expires: z.string().min(1).max(20).optional(),
  }),
  /** Refuses the token from now on (running servers within a second); the record stays, revoked. */
  'tokens.revoke': z.strictObject({ name: z.string().min(1).max(64) }),
  /** Audit records newest first (at desc, id desc), filtered, in keyset pages. */
  'audit.list': z.strictObject({
    since: instant.optional(),
    until: instant.optional(),
    /** Exactly this caller (`ops-bot`, `desktop`, `cli:ana@box`, `schedule:nightly`). */
    who: z.string().min(1).max(200).optional(),
    method: z.string().min(1).max(100).optional(),
    limit: z.number().int().min(1).max(10_000).default(200),
    before: z.strictObject({ at: instant, id: z.string().max(64) }).optional(),
  }),
} as const

export type ApiMethod = keyof typeof apiInputs

const read = { role: 'viewer', changes: false } as const
const operate = { role: 'operator', changes: true } as const
const administer = { role: 'admin', changes: true } as const

/**
 * The least role each method needs and whether it changes something (audited). Checked by
 * dispatch for every transport; the window reads it to hide what its role cannot do.
 */
export const apiAccess: { readonly [M in ApiMethod]: MethodAccess } = {
  'jobs.enqueue': operate,
  'jobs.enqueueBulk': operate,
  'jobs.cancel': operate,
  'jobs.restore': operate,
  'jobs.get': read,
  'jobs.list': read,
  'jobs.retry': operate,
  'jobs.startNow': operate,
  'jobs.setPriority': operate,
  // Deletes history: retention's business, so admin's.
  'jobs.clear': administer,
  'runner.pause': operate,
  'runner.resume': operate,
  'runner.drain': operate,
  'runner.status': read,
  'runs.list': read,
  'runs.count': read,
  'runs.export': read,
  'stats.byType': read,
  'timeline.range': read,
  'timeline.extent': read,
  'runs.get': read,
  'runs.log': read,
  'runs.usage': read,
  'monitor.latest': read,
  'monitor.range': read,
  'config.get': read,
  'config.reload': administer,
  'connection.get': read,
  // Connects with a URL and password it is given: admin's, though it changes nothing.
  'connection.test': { role: 'admin', changes: false },
  'connection.save': administer,
  'schedules.list': read,
  'schedules.pause': operate,
  'schedules.resume': operate,
  'schedules.runNow': operate,
  'schedules.fires': read,
  'schedules.preview': read,
  'schedules.forecast': read,
  'sources.list': read,
  'sources.sync': operate,
  'sources.queue': read,
  'sources.test': { role: 'operator', changes: false },
  'sources.markFailed': operate,
  'overlaps.list': read,
  'alerts.list': read,
  'alerts.test': operate,
  'alerts.snooze': operate,
  'retention.status': read,
  'retention.run': administer,
  'session.get': read,
  'tokens.list': { role: 'admin', changes: false },
  'tokens.create': administer,
  'tokens.revoke': administer,
  'audit.list': read,
}
export type ApiInput<M extends ApiMethod> = z.input<(typeof apiInputs)[M]>
export type ApiArgs<M extends ApiMethod> = z.output<(typeof apiInputs)[M]>

export interface RunDetail {
  run: Run
  job: Job
  attempts: Run[]
}

export interface JobDetail {
  job: Job
  /** Its runs, oldest first. */
  attempts: Run[]
  /** While it waits: its place in the run order (1 = next) and why it waits; else null. */
  position: number | null
  waitReason: WaitReason | null
}

export interface JobList {
  jobs: Job[]
  /** All jobs matching the filter (not only this page), counted up to `countUpTo`. */
  count: number
  /** More than `countUpTo` match: `count` is a lower bound ("10000+"). */
  countCapped: boolean
  /** Pass as `before` for the next page; null on the last page. */
  next: { at: string; id: string } | null
}

export interface ConfigInfo {
  path: string
  ok: boolean
  errors: string[]
  types: JobTypeInfo[]
  /** Sampling, health thresholds and retention in force. */
  monitor: MonitorConfig
  /** `concurrency`: the configured maximum; `adaptive` when it moves with the host (runner.status has the effective one). */
  runner: { concurrency: number; interruptLimit: number; minConcurrency: number; adaptive: boolean }
  /** Lane limits by lane name or `*` pattern; lanes not listed have limit 1. */
  lanes: Record<string, number>
  /** Lane start rates by lane name or `*` pattern, as written (`10/m`). */
  rates: Record<string, string>
  /** The names of the enabled schedules (the Timeline leaves room ahead of now only when there are some). */
  schedules: string[]
  /** The names of the configured sources (the views offer a source filter only when there are some). */
  sources: string[]
}

export interface LogPage {
  lines: Array<LogLine & { id: number }>
  /** Older output was dropped by the engine (the run exceeded its log limit). */
  truncated: boolean
  /** With `tail`: stored lines older than the ones returned. */
  earlier?: number
}

export interface MonitorLatest {
  sample: HostSample | null
  health: Health
  /** Job types held back by the resource gate, with the reason. */
  waiting: Record<string, GateBlock>
}

export interface MonitorRange {
  resolution: 'raw' | 'minute'
  samples: HostSample[]
  minutes: HostMinute[]
  /** Steps of this runner's effective concurrency in the range (the Timeline's host strip marks them). */
  concurrency: ConcurrencyChange[]
}

export interface ApiResults {
  'jobs.enqueue': Job
  'jobs.enqueueBulk': Job[]
  'jobs.cancel': { job: Job; action: 'canceled' | 'requested' }
  'jobs.restore': Job
  'jobs.get': JobDetail
  'jobs.list': JobList
  'jobs.retry': Job
  'jobs.startNow': Job
  'jobs.setPriority': Job
  'jobs.clear': { removed: number }
  'runner.pause': { paused: true }
  'runner.resume': { paused: false }
  'runner.drain': { draining: boolean }
  'runner.status': RunnerStatus
  'runs.list': ListedRun[]
  'runs.count': RunCount
  'runs.export': { csv: string; rows: number; truncated: boolean }
  'stats.byType': TypeStats[]
  'timeline.range': TimelinePage
  'timeline.extent': TimelineExtent
  'runs.get': RunDetail
  'runs.log': LogPage
  'runs.usage': RunUsage
  'monitor.latest': MonitorLatest
  'monitor.range': MonitorRange
  'config.get': ConfigInfo
  'config.reload': ConfigInfo
  'connection.get': DatabaseState
  'connection.test': ConnectionTestResult
  'connection.save': { path: string; restartRequired: boolean; password: 'stored' | 'not-given' | 'removed' }
  'schedules.list': ScheduleInfo[]
  'schedules.pause': ScheduleInfo
  'schedules.resume': ScheduleInfo
  'schedules.runNow': { fire: ScheduleFire; job: Job }
  'schedules.fires': ScheduleFire[]
  'schedules.preview': { description: string; fires: string[] }
  'schedules.forecast': ForecastFire[]
  'sources.list': SourceInfo[]
  'sources.sync': SourceInfo[]
  'sources.queue': SourceQueue
  'sources.test': SourceTestResult
  'sources.markFailed': { source: string; table: string; sourceId: string; rowCount: number }
  'overlaps.list': Overlap[]
  'alerts.list': AlertsOverview
  'alerts.test': AlertDelivery
  'alerts.snooze': AlertsOverview['snoozes']
  'retention.status': RetentionStatus
  'retention.run': RetentionPass
  'session.get': Session
  'tokens.list': ApiToken[]
  'tokens.create': CreatedToken
  'tokens.revoke': ApiToken
  'audit.list': AuditRecord[]
}

/**
 * A method answers its args; `caller` is who called through a transport (dispatch passes it;
 * the core's own callers, tests and benches leave it out and act as the owner).
 */
export type JobdeckApi = { [M in ApiMethod]: (args: ApiArgs<M>, caller?: Caller) => Promise<ApiResults[M]> }
