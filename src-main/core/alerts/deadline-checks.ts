// The facts of `deadline` rules: for each rule, the latest deadline that passed (a grace after it,
// so a finish just before it has reached a shared cache) and was not judged yet, with the jobs its
// schedule made in the window since the previous deadline. A schedule's jobs are found through its
// fires (keyed by schedule and time: no scan of the history), else by the jobs' schedule column.
import type { AlertRuleConfig } from '../../../src-shared/alert-config'
import type { LoadedConfig } from '../config/load-config'
import { fireTimesOf } from '../model/schedule-times'
import type { ScheduleStore } from '../store/schedule-store'
import type { AlertStore, ScheduledJob } from '../store/sqlite/alert-store'
import type { DeadlineCheck } from './alert-rules'
import { dayIn, deadlineTimes, lastDeadline, type DeadlineTimes } from './deadline-times'

/** A deadline is judged this long after it passes. */
export const DEADLINE_GRACE_MS = 5_000
/** Looked at again at least this often, so a clock that jumps is noticed. */
const MAX_WAIT_MS = 60_000

export interface DueDeadline {
  check: DeadlineCheck
  /** Call once its alert (if any) is written: the deadline is not judged again by this watch. */
  judged: () => void
}

export class DeadlineChecks {
  private readonly times = new Map<string, DeadlineTimes>()
  /** The deadline each rule last judged. A restart judges the latest again: the outbox's key keeps it once. */
  private readonly judgedAt = new Map<string, number>()

  constructor(
    private readonly alerts: AlertStore,
    private readonly schedules: ScheduleStore | null,
  ) {}

  private timesOf(notFinishedBy: string, zone: string): DeadlineTimes {
    const key = `${notFinishedBy} ${zone}`
    let times = this.times.get(key)
    if (!times) {
      times = deadlineTimes(notFinishedBy, zone)
      this.times.set(key, times)
    }
    return times
  }

  /** Deadlines to judge now (none before `since`: alerting had not begun), and when to look next. */
  async due(rules: readonly AlertRuleConfig[], config: LoadedConfig, now: number, since: number): Promise<{ due: DueDeadline[]; nextAt: number }> {
    const due: DueDeadline[] = []
    let nextAt = now + MAX_WAIT_MS
    const watched = rules.some((r) => r.on === 'deadline')
    const pauses = watched && this.schedules ? await this.schedules.pauses().catch(() => new Map<string, unknown>()) : new Map<string, unknown>()
    for (const [index, rule] of rules.entries()) {
      if (rule.on !== 'deadline' || rule.schedule === undefined || rule.notFinishedBy === undefined) continue
      const spec = config.schedules.get(rule.schedule)
      if (!spec) continue
      const times = this.timesOf(rule.notFinishedBy, spec.timezone)
      const judgeBefore = now - DEADLINE_GRACE_MS
      nextAt = Math.min(nextAt, (times.times.nextAfter(judgeBefore) ?? Infinity) + DEADLINE_GRACE_MS)
      const last = lastDeadline(times, judgeBefore)
      const key = `${index} ${rule.schedule} ${rule.notFinishedBy} ${spec.timezone}`
      if (last === null || last.at < since || this.judgedAt.get(key) === last.at) continue
      const check: DeadlineCheck = {
        rule: index,
        schedule: rule.schedule,
        zone: spec.timezone,
        notFinishedBy: rule.notFinishedBy,
        day: dayIn(spec.timezone, last.at),
        deadlineAt: last.at,
        windowStart: last.windowStart,
        // Paused or disabled: the operator stopped it on purpose, nothing is expected.
        expected: spec.enabled && !pauses.has(rule.schedule) && fireTimesOf(spec).between(last.windowStart, last.at, 1).length > 0,
        jobs: (await this.jobsOf(rule.schedule, last.windowStart, last.at)).sort((a, b) => a.createdAt - b.createdAt),
      }
      due.push({ check, judged: () => this.judgedAt.set(key, last.at) })
    }
    return { due, nextAt }
  }

  private async jobsOf(schedule: string, from: number, to: number): Promise<ScheduledJob[]> {
    if (!this.schedules) return this.alerts.jobsOfSchedule(schedule, from, to)
    const fires = await this.schedules.fires({ schedule, since: from + 1, until: to, limit: 1000 })
    return this.alerts.jobsById(fires.flatMap((fire) => (fire.jobId ? [fire.jobId] : [])))
  }
}
