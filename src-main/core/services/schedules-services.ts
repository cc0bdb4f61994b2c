// The schedules part of the API: each schedule with its next fires and last fire, pause and
// resume (persisted where the queue lives, so shared in shared mode), run now (a `manual` fire
// and its job in one transaction), the fire records, a preview of any cron in any zone, and the
// forecast of upcoming fires the Timeline draws ahead of now.
import type { JobdeckApi } from '../../../src-shared/api'
import type { TypeStats } from '../../../src-shared/domain'
import { JobdeckError } from '../../../src-shared/errors'
import { echo } from '../../../src-shared/redact'
import type { ForecastFire, ScheduleInfo } from '../../../src-shared/schedules'
import { laneLimit, resolveLane } from '../config/job-command'
import { parseEvery } from '../config/schedule-checks'
import { newId } from '../ids'
import { pausedAt, type SchedulePause } from '../model/schedule-policy'
import { cronProblem, describeTiming, FireTimes, firesBetween, machineZone, timingOf, upcomingFires, zoneProblem, type ScheduleSpec } from '../model/schedule-times'
import { toScheduleFire, type FireRecord } from '../store/schedule-store'
import { afterWrite, toEpoch, type ServiceDeps } from './service-deps'

export type SchedulesApi = Pick<
  JobdeckApi,
  'schedules.list' | 'schedules.pause' | 'schedules.resume' | 'schedules.runNow' | 'schedules.fires' | 'schedules.preview' | 'schedules.forecast'
>

/** The forecast's limit: a day of 1,000 schedules is about 10k fires. */
const MAX_FORECAST_FIRES = 50_000

/** The last millisecond of the year 9999: fire times past it cannot be written as ISO-8601. */
const LAST_INSTANT = Date.UTC(9999, 11, 31, 23, 59, 59, 999)

/** An API instant a schedule's times can be computed from: 1970 to 9999. */
function scheduleInstant(value: string | number, field: string): number {
  const ms = toEpoch(value, field)
  if (ms < 0 || ms > LAST_INSTANT) {
    throw new JobdeckError('invalid_input', `${field}: expected a time between 1970 and 9999, got ${echo(value)}`)
  }
  return ms
}

/** A spec's words, made once per spec (a config reload makes new specs). */
const descriptions = new WeakMap<ScheduleSpec, string>()

function descriptionOf(spec: ScheduleSpec): string {
  let text = descriptions.get(spec)
  if (text === undefined) {
    text = describeTiming(spec)
    descriptions.set(spec, text)
  }
  return text
}

export function schedulesServices(deps: ServiceDeps): SchedulesApi {
  const { config, schedules } = deps
  const now = deps.now ?? Date.now

  function specOf(name: string): ScheduleSpec {
    const spec = config.current.schedules.get(name)
    if (!spec) {
      const known = [...config.current.schedules.keys()]
      throw new JobdeckError('not_found', `no schedule named ${echo(name)}; the config declares: ${known.length ? known.join(', ') : 'none'}`)
    }
    return spec
  }

  function laneOf(spec: ScheduleSpec): string | null {
    const type = config.current.types.get(spec.job)
    return type ? resolveLane(type, spec.params) : null
  }

  function info(spec: ScheduleSpec, pause: SchedulePause | undefined, last: FireRecord | undefined, fires: number, at: number): ScheduleInfo {
    const paused = pausedAt(pause, at)
    return {
      name: spec.name,
      job: spec.job,
      params: spec.params,
      cron: spec.cron,
      every: spec.every,
      description: descriptionOf(spec),
      timezone: spec.timezone,
      priority: spec.priority,
      missed: spec.missed,
      catchupWindowMs: spec.catchupWindowMs,
      overlap: spec.overlap,
      jitterMs: spec.jitterMs,
      notifySkipped: spec.notifySkipped,
      enabled: spec.enabled,
      paused,
      pausedUntil: paused && pause?.until != null ? new Date(pause.until).toISOString() : null,
      lane: laneOf(spec),
      nextFires: spec.enabled ? upcomingFires(spec, at, fires).map((t) => new Date(t).toISOString()) : [],
      lastFire: last ? toScheduleFire(last) : null,
    }
  }

  async function infoOf(name: string): Promise<ScheduleInfo> {
    const spec = specOf(name)
    const [pauses, last] = await Promise.all([schedules.pauses(), schedules.lastFires([name])])
    return info(spec, pauses.get(name), last.get(name), 5, now())
  }

  /** The usual length of a type's runs: p95 of the recent ones, else the average; null without history. */
  function expectedOf(stats: Map<string, TypeStats>, type: string): Pick<ForecastFire, 'expectedMs' | 'basis'> {
    const s = stats.get(type)
    if (s?.p95DurationMs != null) return { expectedMs: s.p95DurationMs, basis: 'p95' }
    if (s?.avgDurationMs != null) return { expectedMs: s.avgDurationMs, basis: 'average' }
    return { expectedMs: null, basis: null }
  }

  return {
    async 'schedules.list'(args) {
      const specs = [...config.current.schedules.values()]
      const [pauses, last] = await Promise.all([schedules.pauses(), schedules.lastFires(specs.map((s) => s.name))])
      const at = now()
      return specs.map((spec) => info(spec, pauses.get(spec.name), last.get(spec.name), args.fires, at))
    },

    async 'schedules.pause'(args) {
      specOf(args.name)
      const at = now()
      const until = args.until === undefined ? null : scheduleInstant(args.until, 'until')
      if (until !== null && until <= at) {
        throw new JobdeckError('invalid_input', `until: ${new Date(until).toISOString()} has passed; give a time ahead, or leave it out to pause until resumed`)
      }
      await schedules.setPause(args.name, { pausedAt: at, until })
      return infoOf(args.name)
    },

    async 'schedules.resume'(args) {
      specOf(args.name)
      await schedules.setPause(args.name, null)
      return infoOf(args.name)
    },

    async 'schedules.runNow'(args) {
      const spec = specOf(args.name)
      const type = config.current.types.get(spec.job)
      if (!type) throw new JobdeckError('config_invalid', `schedule ${spec.name} names job type ${spec.job}, which the config does not declare`)
      const at = now()
      const id = newId(at)
      const job = { id, type: spec.job, params: spec.params, priority: spec.priority ?? type.priority, lane: resolveLane(type, spec.params), schedule: spec.name }
      // A manual fire is keyed by when it was asked; two asks in one millisecond take the next one.
      for (let attempt = 0; attempt < 10; attempt++) {
        const fire: FireRecord = { schedule: spec.name, scheduledFor: at + attempt, firedAt: at, outcome: 'manual', reason: 'run now by the operator', jobId: id }
        const [recorded] = await schedules.record([{ fire, job }], at)
        if (recorded?.job) {
          afterWrite(deps)
          return { fire: toScheduleFire(recorded.fire), job: recorded.job }
        }
      }
      throw new JobdeckError('conflict', `schedule ${spec.name}: could not record the fire; try again`)
    },

    async 'schedules.fires'(args) {
      const fires = await schedules.fires({
        ...(args.schedule !== undefined ? { schedule: args.schedule } : {}),
        ...(args.outcome !== undefined ? { outcome: args.outcome } : {}),
        ...(args.since !== undefined ? { since: toEpoch(args.since, 'since') } : {}),
        ...(args.until !== undefined ? { until: toEpoch(args.until, 'until') } : {}),
        ...(args.before ? { before: { at: toEpoch(args.before.at, 'before.at'), schedule: args.before.schedule } } : {}),
        limit: args.limit,
      })
      return fires.map(toScheduleFire)
    },

    async 'schedules.preview'(args) {
      if ((args.cron === undefined) === (args.every === undefined)) {
        throw new JobdeckError('invalid_input', `expected exactly one of cron or every, got ${args.cron === undefined ? 'neither' : 'both'}`)
      }
      const zone = args.timezone ?? machineZone()
      const badZone = zoneProblem(zone)
      if (badZone) throw new JobdeckError('invalid_input', `timezone: ${badZone}`)
      let everyMs: number | null = null
      if (args.cron !== undefined) {
        const why = cronProblem(args.cron, zone)
        if (why) throw new JobdeckError('invalid_input', `cron: croner refuses ${echo(args.cron)}: ${why}`)
      } else {
        const every = parseEvery(args.every)
        if (!every.ok) throw new JobdeckError('invalid_input', `every: ${every.message}`)
        everyMs = every.ms
      }
      const spec = { cron: args.cron ?? null, everyMs, timezone: zone }
      const after = args.after === undefined ? now() : scheduleInstant(args.after, 'after')
      return {
        description: describeTiming(spec),
        fires: new FireTimes(timingOf(spec))
          .next(after, args.count)
          .filter((t) => t <= LAST_INSTANT)
          .map((t) => new Date(t).toISOString()),
      }
    },

    async 'schedules.forecast'(args) {
      const since = scheduleInstant(args.since, 'since')
      const until = scheduleInstant(args.until, 'until')
      if (until < since) throw new JobdeckError('invalid_input', `until (${new Date(until).toISOString()}) is before since (${new Date(since).toISOString()})`)
      const specs = [...config.current.schedules.values()].filter((s) => s.enabled)
      const pauses = await schedules.pauses()
      const stats = new Map(deps.store.typeStats().map((s) => [s.type, s]))
      // Sorted by number, made into objects after: comparing 10k ISO strings cost more than the rest.
      const rows: Array<{ t: number; base: Omit<ForecastFire, 'at'> }> = []
      for (const spec of specs) {
        const lane = laneOf(spec)
        if (lane === null) continue
        const base = { schedule: spec.name, type: spec.job, lane, laneLimit: laneLimit(config.current, lane), ...expectedOf(stats, spec.job) }
        const pause = pauses.get(spec.name)
        for (const t of firesBetween(spec, since - 1, Math.min(until, LAST_INSTANT), MAX_FORECAST_FIRES - rows.length)) {
          if (!pausedAt(pause, t)) rows.push({ t, base })
        }
        if (rows.length >= MAX_FORECAST_FIRES) break
      }
      rows.sort((a, b) => a.t - b.t || (a.base.schedule < b.base.schedule ? -1 : 1))
      return rows.map(({ t, base }) => ({ ...base, at: new Date(t).toISOString() }))
    },
  }
}
