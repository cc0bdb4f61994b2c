// Which alerts exist, decided as data: given the config's rules and one fact (a job that finished,
// an overrun, a stuck source row, health, the shared database offline, a deadline checked), the
// (rule, channel, key, payload) rows to write. Pure: AlertWatch gathers the facts and writes the
// rows; the outbox's unique (key, channel) makes deciding the same fact twice harmless.
import { createHash } from 'node:crypto'
import type { AlertEvent, AlertRuleConfig } from '../../../src-shared/alert-config'
import type { AlertPayload } from '../../../src-shared/alerts'
import { formatDuration } from '../../../src-shared/units'
import type { FinishedJob } from '../store/sqlite/alert-store'

/** What a type-based fact is about, for the rules' filters. */
export interface AlertSubject {
  type: string
  schedule: string | null
  source: string | null
}

export type AlertFact =
  /** `failedBefore`: failures in a row of this type before this job (0 after a success). */
  | { kind: 'finished'; job: FinishedJob; failedBefore: number }
  | { kind: 'overrun'; subject: AlertSubject; runId: string; jobId: string; elapsedMs: number; usualMs: number; factor: number; at: number }
  | { kind: 'stuck'; subject: AlertSubject; runId: string; jobId: string; sourceId: string; startedAt: number; stuckAfterMs: number; at: number }
  /** `criticalSince`: when health went critical (the key of both messages); `recovered`: it left critical. */
  | { kind: 'health'; instance: string; criticalSince: number; recovered: boolean; reasons: string[]; at: number }
  | { kind: 'offline'; instance: string; offlineSince: number; error: string | null; at: number }
  | { kind: 'deadline'; check: DeadlineCheck }

/** One deadline of one rule, checked after it passed. */
export interface DeadlineCheck {
  rule: number
  schedule: string
  zone: string
  notFinishedBy: string
  /** YYYY-MM-DD in the schedule's zone. */
  day: string
  deadlineAt: number
  /** The previous deadline: jobs made after it count for this one. */
  windowStart: number
  /** The schedule has a fire time in (windowStart, deadlineAt]: on other days nothing is expected. */
  expected: boolean
  /** Its jobs made in the window, with their outcome as known at the check. */
  jobs: Array<{ id: string; status: string; finishedAt: number | null }>
}

/** What the rules ask of the world beyond the fact. */
export interface RuleContext {
  /** Alerts of type-based rules for this type are held back (a snooze until > now). */
  snoozed: (type: string) => boolean
  /**
   * A quiet period holds this alert back: the rule wrote one about this type (or, for rules not
   * about a type, at all) less than `quietMs` before `at`.
   */
  quiet: (rule: number, type: string | null, at: number, quietMs: number) => boolean
  /** monitor.overrunFactor: the factor of the `run.overrun` events, and a rule's default. */
  overrunFactor: number
}

/** One row of the outbox to write. */
export interface DecidedAlert {
  rule: number
  channel: string
  key: string
  payload: AlertPayload
  /** For the quiet period's memory. */
  type: string | null
  at: number
}

/** Rules whose alerts are about one job type: filtered by types, schedule, source; snoozed per type. */
const TYPE_BASED: ReadonlySet<AlertEvent> = new Set(['failed', 'failedStreak', 'recovered', 'overrun', 'stuck'])

export const DEFAULT_STREAK = 3
export const DEFAULT_OFFLINE_AFTER_MS = 5 * 60_000

/** Stable across retries and instances: a receiver may de-duplicate by it. */
export function alertId(key: string, channel: string): string {
  return createHash('sha256').update(`${key}\u0000${channel}`).digest('hex').slice(0, 24)
}

function matches(rule: AlertRuleConfig, subject: AlertSubject): boolean {
  if (rule.types && !rule.types.includes(subject.type)) return false
  if (rule.schedule !== undefined && rule.schedule !== subject.schedule) return false
  if (rule.source !== undefined && rule.source !== subject.source) return false
  return true
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString())

interface Draft {
  key: string
  payload: Omit<AlertPayload, 'id' | 'rule'>
  at: number
}

/** The alert a fact makes under one rule, or null. */
function draftFor(rule: AlertRuleConfig, fact: AlertFact, ctx: RuleContext): Draft | null {
  switch (fact.kind) {
    case 'finished':
      return draftFinished(rule, fact.job, fact.failedBefore)
    case 'overrun': {
      if (rule.on !== 'overrun') return null
      // The event comes at p95 × monitor.overrunFactor; a rule asking more waits for a run that long.
      const factor = rule.factor ?? ctx.overrunFactor
      if (factor > fact.factor && fact.elapsedMs < fact.usualMs * factor) return null
      return {
        key: `overrun:${fact.runId}`,
        at: fact.at,
        payload: {
          ...about(fact.subject),
          title: `${fact.subject.type} is running long: ${formatDuration(fact.elapsedMs)}, usually ${formatDuration(fact.usualMs)}`,
          jobId: fact.jobId,
          runId: fact.runId,
          status: 'running',
          error: null,
          startedAt: iso(fact.at - fact.elapsedMs),
          finishedAt: null,
          count: 1,
        },
      }
    }
    case 'stuck':
      if (rule.on !== 'stuck') return null
      return {
        key: `stuck:${fact.runId}`,
        at: fact.at,
        payload: {
          ...about(fact.subject),
          title: `${fact.subject.type} row ${fact.sourceId} is stuck: running longer than ${formatDuration(fact.stuckAfterMs)}`,
          jobId: fact.jobId,
          runId: fact.runId,
          status: 'running',
          error: null,
          startedAt: iso(fact.startedAt),
          finishedAt: null,
          count: 1,
        },
      }
    case 'health':
      if (rule.on !== 'health') return null
      return {
        key: `${fact.recovered ? 'health-recovered' : 'health'}:${fact.instance}:${fact.criticalSince}`,
        at: fact.at,
        payload: {
          ...NOTHING,
          title: fact.recovered
            ? `${hostOf(fact.instance)}: resources recovered after ${formatDuration(fact.at - fact.criticalSince)} critical`
            : `${hostOf(fact.instance)}: resources critical: ${fact.reasons.join('; ') || 'critical'}`,
          status: fact.recovered ? 'recovered' : 'critical',
          startedAt: iso(fact.criticalSince),
          finishedAt: fact.recovered ? iso(fact.at) : null,
        },
      }
    case 'offline': {
      if (rule.on !== 'offline') return null
      const after = rule.after ?? DEFAULT_OFFLINE_AFTER_MS
      if (fact.at - fact.offlineSince < after) return null
      return {
        key: `offline:${fact.instance}:${fact.offlineSince}`,
        at: fact.at,
        payload: {
          ...NOTHING,
          title: `${hostOf(fact.instance)}: the shared database has been unreachable for ${formatDuration(fact.at - fact.offlineSince)}`,
          status: 'offline',
          error: fact.error,
          startedAt: iso(fact.offlineSince),
        },
      }
    }
    case 'deadline':
      return draftDeadline(rule, fact.check)
  }
}

const NOTHING: Omit<AlertPayload, 'id' | 'rule' | 'title'> = {
  type: null,
  jobId: null,
  runId: null,
  status: null,
  error: null,
  startedAt: null,
  finishedAt: null,
  count: 1,
}

const hostOf = (instance: string): string => instance.slice(0, instance.lastIndexOf(':') > 0 ? instance.lastIndexOf(':') : instance.length)

function about(subject: AlertSubject): Pick<AlertPayload, 'type' | 'schedule' | 'source'> {
  return {
    type: subject.type,
    ...(subject.schedule !== null ? { schedule: subject.schedule } : {}),
    ...(subject.source !== null ? { source: subject.source } : {}),
  }
}

function draftFinished(rule: AlertRuleConfig, job: FinishedJob, failedBefore: number): Draft | null {
  const base = {
    ...about(job),
    jobId: job.id,
    runId: job.lastRunId,
    status: job.status,
    error: job.error,
    startedAt: iso(job.startedAt),
    finishedAt: iso(job.finishedAt),
  }
  const run = job.lastRunId ?? 'none'
  if (rule.on === 'failed' && job.status === 'failed') {
    return { key: `failed:${job.id}:${run}`, at: job.finishedAt, payload: { ...base, title: `${job.type} failed`, count: 1 } }
  }
  if (rule.on === 'failedStreak' && job.status === 'failed') {
    const count = rule.count ?? DEFAULT_STREAK
    // Once, when the streak reaches the count; the next alert needs a success to break it first.
    if (failedBefore + 1 !== count) return null
    return { key: `failedStreak:${count}:${job.id}:${run}`, at: job.finishedAt, payload: { ...base, title: `${job.type} failed ${count} times in a row`, count } }
  }
  if (rule.on === 'recovered' && job.status === 'succeeded' && failedBefore > 0) {
    const after = failedBefore === 1 ? '1 failure' : `${failedBefore} failures in a row`
    return { key: `recovered:${job.id}:${run}`, at: job.finishedAt, payload: { ...base, title: `${job.type} recovered after ${after}`, count: 1 } }
  }
  return null
}

function draftDeadline(rule: AlertRuleConfig, check: DeadlineCheck): Draft | null {
  if (rule.on !== 'deadline' || rule.schedule !== check.schedule || !check.expected) return null
  const done = check.jobs.find((j) => (j.status === 'succeeded' || j.status === 'partial') && j.finishedAt !== null && j.finishedAt <= check.deadlineAt)
  if (done) return null
  const by = `${check.notFinishedBy} (${check.zone})`
  const last = check.jobs.at(-1)
  const title =
    check.jobs.length === 0
      ? `${check.schedule} did not fire before ${by} on ${check.day}`
      : `${check.schedule} did not finish by ${by} on ${check.day}: ${lateness(last?.status ?? 'unknown')}`
  return {
    key: `deadline:${check.schedule}:${check.day}`,
    at: check.deadlineAt,
    payload: {
      ...NOTHING,
      schedule: check.schedule,
      title,
      jobId: last?.id ?? null,
      status: check.jobs.length === 0 ? 'not fired' : (last?.status ?? null),
      finishedAt: iso(last?.finishedAt ?? null),
    },
  }
}

/** What the schedule's latest job was doing when its deadline was judged. */
function lateness(status: string): string {
  if (status === 'queued' || status === 'running' || status === 'retrying') return `still ${status}`
  if (status === 'succeeded' || status === 'partial') return `it finished late (${status})`
  return `it ${status}`
}

/** The rows a fact makes across every rule: one per (rule, channel), one per (key, channel). */
export function decideAlerts(rules: readonly AlertRuleConfig[], fact: AlertFact, ctx: RuleContext): DecidedAlert[] {
  const subject = fact.kind === 'finished' ? fact.job : fact.kind === 'overrun' || fact.kind === 'stuck' ? fact.subject : null
  const out: DecidedAlert[] = []
  const seen = new Set<string>()
  rules.forEach((rule, index) => {
    const typeBased = TYPE_BASED.has(rule.on)
    if (typeBased && subject === null) return
    if (subject !== null && (!typeBased || !matches(rule, subject))) return
    if (fact.kind === 'deadline' && fact.check.rule !== index) return
    const draft = draftFor(rule, fact, ctx)
    if (draft === null) return
    const type = draft.payload.type
    if (typeBased && type !== null && ctx.snoozed(type)) return
    if (rule.quiet > 0 && ctx.quiet(index, type, draft.at, rule.quiet)) return
    for (const channel of rule.channels) {
      const dedupe = `${draft.key}\u0000${channel}`
      if (seen.has(dedupe)) continue
      seen.add(dedupe)
      out.push({ rule: index, channel, key: draft.key, type, at: draft.at, payload: { id: alertId(draft.key, channel), rule: rule.on, ...draft.payload } })
    }
  })
  return out
}

/** The streak count after a finished job: failures add one, a success or partial breaks it. */
export function nextStreak(failedBefore: number, status: FinishedJob['status']): number {
  return status === 'failed' ? failedBefore + 1 : 0
}
