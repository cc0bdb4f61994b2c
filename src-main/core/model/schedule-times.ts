// When a schedule fires, as pure functions of its spec and a time: croner for cron (its rules for
// zones and DST: a time in a spring-forward gap fires at the first valid time after it; a fixed
// time in a fall-back hour fires once), plain arithmetic for `every:`, which is anchored to the
// Unix epoch so every instance (and every restart) computes the same scheduled times.
import { Cron } from 'croner'
import cronstrue from 'cronstrue'
import type { Params, Priority } from '../../../src-shared/domain'
import type { MissedPolicy, OverlapPolicy } from '../../../src-shared/schedules'

/** A schedule as the config resolved it (defaults applied, params checked against the type). */
export interface ScheduleSpec {
  name: string
  /** The job type. */
  job: string
  params: Params
  cron: string | null
  /** As written (`5m`). */
  every: string | null
  everyMs: number | null
  timezone: string
  priority: Priority | null
  missed: MissedPolicy
  catchupWindowMs: number
  overlap: OverlapPolicy
  jitterMs: number
  enabled: boolean
  notifySkipped: boolean
}

export type Timing = { cron: string; timezone: string } | { everyMs: number }

/** The zone of this machine (the default of a schedule in local mode). */
export function machineZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC'
}

/** Zones already asked about: a formatter costs about 0.1 ms, and a thousand schedules share a few zones. */
const zoneAnswers = new Map<string, string | null>()

/** null when `zone` is an IANA zone this runtime knows; else why not. */
export function zoneProblem(zone: string): string | null {
  const known = zoneAnswers.get(zone)
  if (known !== undefined) return known
  let answer: string | null = null
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone })
  } catch {
    answer = `unknown time zone ${JSON.stringify(zone)}; expected an IANA zone like Europe/Berlin, America/New_York or UTC`
  }
  if (zoneAnswers.size < 1000) zoneAnswers.set(zone, answer)
  return answer
}

/** A cron pattern checked by croner: its reason when it is refused. */
export function cronProblem(pattern: string, zone: string): string | null {
  try {
    new Cron(pattern, { timezone: zone, paused: true })
    return null
  } catch (error) {
    return error instanceof Error ? error.message : String(error)
  }
}

/** The fire times of one timing, with the croner pattern parsed once. */
export class FireTimes {
  private readonly cron: Cron | null
  private readonly everyMs: number | null

  constructor(timing: Timing) {
    if ('cron' in timing) {
      this.cron = new Cron(timing.cron, { timezone: timing.timezone, paused: true })
      this.everyMs = null
    } else {
      if (!(timing.everyMs > 0)) throw new Error(`every: expected a positive interval, got ${timing.everyMs} ms`)
      this.cron = null
      this.everyMs = timing.everyMs
    }
  }

  /** The first fire strictly after `t` (epoch ms); null when the pattern has no more. */
  nextAfter(t: number): number | null {
    if (this.everyMs !== null) return (Math.floor(t / this.everyMs) + 1) * this.everyMs
    const next = (this.cron as Cron).nextRun(new Date(t))
    return next ? next.getTime() : null
  }

  /** Fires in (from, to], oldest first, at most `max`. */
  between(from: number, to: number, max: number): number[] {
    return this.span(from, to, max).times
  }

  /** Fires in (from, to], at most `max`, and the first fire after the last one listed (null: none). */
  span(from: number, to: number, max: number): { times: number[]; next: number | null } {
    const times: number[] = []
    let t = this.nextAfter(from)
    while (t !== null && t <= to && times.length < max) {
      times.push(t)
      t = this.nextAfter(t)
    }
    return { times, next: t }
  }

  /** The next `count` fires strictly after `t`. */
  next(t: number, count: number): number[] {
    const out: number[] = []
    let at: number | null = t
    while (out.length < count && (at = this.nextAfter(at)) !== null) out.push(at)
    return out
  }

  /**
   * How many fires fall in (from, to], counting at most `cap`, and the newest `keep` of them
   * (oldest first): a schedule down for a month is judged without listing every second of it.
   */
  tail(from: number, to: number, keep: number, cap: number): { count: number; newest: number[]; capped: boolean } {
    if (this.everyMs !== null) {
      const first = Math.floor(from / this.everyMs) + 1
      const last = Math.floor(to / this.everyMs)
      const count = Math.max(0, last - first + 1)
      const newest: number[] = []
      for (let k = Math.max(first, last - keep + 1); k <= last; k++) newest.push(k * this.everyMs)
      return { count: Math.min(count, cap), newest, capped: count > cap }
    }
    const newest: number[] = []
    let count = 0
    let t = this.nextAfter(from)
    while (t !== null && t <= to) {
      count++
      newest.push(t)
      if (newest.length > keep) newest.shift()
      if (count >= cap) break
      t = this.nextAfter(t)
    }
    const capped = count >= cap && t !== null && (this.nextAfter(t) ?? Infinity) <= to
    return { count, newest, capped }
  }
}

const fireTimes = new WeakMap<ScheduleSpec, FireTimes>()

/**
 * A spec's fire times, parsed once per spec (a config reload makes new specs): the scheduler and
 * the API's list and forecast share them in the engine's process.
 */
export function fireTimesOf(spec: ScheduleSpec): FireTimes {
  let times = fireTimes.get(spec)
  if (!times) {
    times = new FireTimes(timingOf(spec))
    fireTimes.set(spec, times)
  }
  return times
}

/** The next fires after `from`, from the last ask of a spec. */
const upcoming = new WeakMap<ScheduleSpec, { from: number; next: number[] }>()

/**
 * The next `count` fires of a spec after `now`, reused while the first of them is still ahead
 * (valid while from ≤ now < first: no fire lies between; a clock set back asks again). croner
 * costs about 50 µs a fire in a named zone: 1,000 schedules × 5 fires would be a quarter second
 * each time the Schedules view lists them.
 */
export function upcomingFires(spec: ScheduleSpec, now: number, count: number): number[] {
  const cached = upcoming.get(spec)
  const first = cached?.next[0]
  if (!cached || first === undefined || first <= now || now < cached.from || cached.next.length < count) {
    const next = fireTimesOf(spec).next(now, Math.max(count, 5))
    upcoming.set(spec, { from: now, next })
    return next.slice(0, count)
  }
  return cached.next.slice(0, count)
}

/**
 * Every fire of a spec in (from, to], kept to answer the forecast's ranges (a day ahead, again and
 * again), with the first fire after `to`: a range that ends before it needs nothing of croner.
 */
const covered = new WeakMap<ScheduleSpec, { from: number; to: number; times: number[]; next: number | null }>()
/** Fires kept per spec at most; a range past them is worked out afresh. */
const MAX_COVERED = 100_000

/** Index of the first element of a sorted `times` greater than `t`. */
function firstAfter(times: readonly number[], t: number): number {
  let lo = 0
  let hi = times.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if ((times[mid] as number) <= t) lo = mid + 1
    else hi = mid
  }
  return lo
}

/**
 * The fires of a spec in (from, to], at most `max`, oldest first. The range worked out is kept and
 * extended as later ranges are asked (the Timeline asks "the next 24 h" as now moves on), so
 * croner is asked only for what is new.
 */
export function firesBetween(spec: ScheduleSpec, from: number, to: number, max: number): number[] {
  let range = covered.get(spec)
  if (!range || from < range.from) {
    const { times, next } = fireTimesOf(spec).span(from, to, MAX_COVERED)
    range = { from, to: times.length >= MAX_COVERED ? (times.at(-1) as number) : to, times, next }
    covered.set(spec, range)
  } else if (to > range.to && range.next !== null && range.next <= to) {
    const start = firstAfter(range.times, from)
    // What lies before the range asked now is dropped, so the kept range follows now.
    const kept = start > 1_000 ? range.times.slice(start) : range.times
    const { times: more, next } = fireTimesOf(spec).span(range.to, to, MAX_COVERED - kept.length)
    const times = kept === range.times ? kept.concat(more) : [...kept, ...more]
    range = { from: kept === range.times ? range.from : from, to: times.length >= MAX_COVERED ? (times.at(-1) as number) : to, times, next }
    covered.set(spec, range)
  } else if (to > range.to) {
    // No fire between the kept end and `to`: the range grows without asking croner.
    range.to = to
  }
  const start = firstAfter(range.times, from)
  const end = Math.min(firstAfter(range.times, to), start + max)
  const out = range.times.slice(start, end)
  // The kept range was cut short (MAX_COVERED): the rest is asked of croner.
  if (out.length < max && to > range.to) out.push(...fireTimesOf(spec).between(Math.max(range.to, out.at(-1) ?? from), to, max - out.length))
  return out
}

export function timingOf(spec: Pick<ScheduleSpec, 'cron' | 'everyMs' | 'timezone'>): Timing {
  return spec.cron !== null ? { cron: spec.cron, timezone: spec.timezone } : { everyMs: spec.everyMs ?? 0 }
}

const UNITS: Array<[number, string]> = [
  [86_400_000, 'day'],
  [3_600_000, 'hour'],
  [60_000, 'minute'],
  [1_000, 'second'],
  [1, 'millisecond'],
]

/** "Every 5 minutes", "Every hour", "Every 1 hour 30 minutes". */
export function describeEvery(ms: number): string {
  const parts: string[] = []
  let left = ms
  for (const [size, word] of UNITS) {
    const n = Math.floor(left / size)
    if (n === 0) continue
    parts.push(`${n} ${word}${n === 1 ? '' : 's'}`)
    left -= n * size
  }
  if (parts.length === 1 && parts[0]?.startsWith('1 ')) return `Every ${parts[0].slice(2)}`
  return `Every ${parts.join(' ')}`
}

/** The cron in words (cronstrue), or the interval; the pattern itself if cronstrue cannot say it. */
export function describeTiming(spec: Pick<ScheduleSpec, 'cron' | 'everyMs'>): string {
  if (spec.cron === null) return describeEvery(spec.everyMs ?? 0)
  const nickname = NICKNAMES[spec.cron.trim().toLowerCase()]
  try {
    return cronstrue.toString(nickname ?? spec.cron, { use24HourTimeFormat: true, verbose: false })
  } catch {
    return spec.cron
  }
}

/** cronstrue does not read croner's nicknames; these are their patterns. */
const NICKNAMES: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
}
