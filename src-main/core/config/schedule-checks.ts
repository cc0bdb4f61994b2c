// The checks of `schedules:` the schema cannot make: the job type exists, the params pass the
// type's validation as an enqueue's would, the cron is one croner accepts (with its reason when
// not), the zone is known, exactly one of `cron` and `every`, an interval of at least a second,
// and a zone written out in shared mode. They read the raw YAML data, so every schedule is
// checked even when another part of the file is broken. Then the specs the engine runs.
import type { JobTypeConfig, JobdeckConfig } from '../../../src-shared/config-schema'
import { paramDefSchema } from '../../../src-shared/config-schema'
import { validateParams } from '../../../src-shared/params'
import { secretParamNames } from '../../../src-shared/secret-params'
import { MAX_DURATION_MS, MAX_DURATION_TEXT, readDuration, readSeconds } from '../../../src-shared/units'
import { cronProblem, machineZone, type ScheduleSpec, zoneProblem } from '../model/schedule-times'
import { dottedPath, type PathKey } from './yaml-positions'
import type { ConfigProblem } from './zod-issues'

/** `every:` of at least this much: fire times are recorded to the millisecond, jobs take time to start. */
const MIN_EVERY_MS = 1_000

/** `every:` as milliseconds (a number is seconds), or why not. */
export function parseEvery(value: unknown): { ok: true; ms: number } | { ok: false; message: string } {
  const reading = typeof value === 'number' ? readSeconds(value) : typeof value === 'string' ? readDuration(value) : null
  const got = JSON.stringify(value)
  if (reading === null || (!reading.ok && reading.problem === 'malformed')) {
    return { ok: false, message: `expected an interval like 30s, 5m, 1h or 1d, got ${got}` }
  }
  if (!reading.ok && reading.problem === 'fraction') {
    return { ok: false, message: `expected an interval of whole milliseconds like 1m or 1.5s, got ${got}` }
  }
  if (!reading.ok || reading.value > MAX_DURATION_MS) {
    return { ok: false, message: `expected an interval of at most ${MAX_DURATION_TEXT}, got ${got}` }
  }
  if (reading.value < MIN_EVERY_MS) return { ok: false, message: `expected an interval of at least 1s, got ${got}` }
  return { ok: true, ms: reading.value }
}

export function checkSchedules(data: Record<string, unknown>): ConfigProblem[] {
  if (!isRecord(data.schedules)) return []
  const jobs = isRecord(data.jobs) ? data.jobs : {}
  const shared = isRecord(data.postgres) && typeof data.postgres.url === 'string'
  const problems: ConfigProblem[] = []
  for (const [name, raw] of Object.entries(data.schedules)) {
    if (!isRecord(raw)) continue
    const base: PathKey[] = ['schedules', name]
    const at = (key: string): PathKey[] => [...base, key]
    const say = (path: PathKey[], message: string, where: 'value' | 'key' = 'value'): void => {
      problems.push({ path, at: where, message: `${dottedPath(path)}: ${message}` })
    }

    const hasCron = raw.cron !== undefined
    const hasEvery = raw.every !== undefined
    if (hasCron === hasEvery) {
      problems.push({
        path: base,
        at: 'key',
        message: `${dottedPath(base)}: expected exactly one of \`cron: "0 2 * * *"\` or \`every: 5m\`, got ${hasCron ? 'both' : 'neither'}`,
      })
    }
    const zone = typeof raw.timezone === 'string' ? raw.timezone : null
    const badZone = zone === null ? null : zoneProblem(zone)
    if (badZone) say(at('timezone'), badZone)
    if (zone === null && shared) {
      say(base, 'shared mode (postgres:) needs `timezone:` on every schedule: instances may sit in different zones; write the IANA zone, e.g. timezone: Europe/Berlin', 'key')
    }
    if (typeof raw.cron === 'string' && raw.cron.trim() !== '') {
      const why = cronProblem(raw.cron, badZone || zone === null ? 'UTC' : zone)
      if (why) say(at('cron'), `croner refuses ${JSON.stringify(raw.cron)}: ${why}`)
    }
    if (hasEvery && (typeof raw.every === 'string' || typeof raw.every === 'number')) {
      const every = parseEvery(raw.every)
      if (!every.ok) say(at('every'), every.message)
    }

    if (typeof raw.job !== 'string') continue
    const type = Object.hasOwn(jobs, raw.job) ? jobs[raw.job] : undefined
    if (!isRecord(type)) {
      const known = Object.keys(jobs)
      say(at('job'), `unknown job type ${JSON.stringify(raw.job)}; the config declares: ${known.length ? someNames(known) : 'none'}`)
      continue
    }
    problems.push(...checkParams(base, type, raw.params))
  }
  return problems
}

/** The params as an enqueue checks them; a secret param is refused (it would sit in the file in clear). */
function checkParams(base: PathKey[], type: Record<string, unknown>, params: unknown): ConfigProblem[] {
  if (params !== undefined && !isRecord(params)) return []
  const input = params ?? {}
  const defs: JobTypeConfig['params'] = {}
  if (isRecord(type.params)) {
    for (const [name, rawDef] of Object.entries(type.params)) {
      const def = paramDefSchema.safeParse(rawDef)
      // A def the schema refuses is reported there; its values cannot be judged.
      if (!def.success) return []
      defs[name] = def.data
    }
  }
  const problems: ConfigProblem[] = []
  for (const name of secretParamNames(defs)) {
    if (!Object.hasOwn(input, name)) continue
    const path = [...base, 'params', name]
    problems.push({
      path,
      at: 'key',
      message: `${dottedPath(path)}: ${name} is a secret param, and a schedule's params are written in the config file in clear; a schedule cannot give it`,
    })
  }
  if (problems.length > 0) return problems
  const result = validateParams(defs, input)
  if (result.ok) return []
  return result.errors.map((error) => {
    const given = Object.hasOwn(input, error.param)
    const path = given ? [...base, 'params', error.param] : [...base, 'params']
    return { path, at: given ? 'value' : 'key', message: `${dottedPath(path)}: ${error.message}` }
  })
}

/** Schedules without `timezone:` (shared mode from --pg or JOBDECK_PG_URL refuses them at start). */
export function zonelessSchedules(raw: JobdeckConfig): string[] {
  return Object.entries(raw.schedules)
    .filter(([, s]) => s.timezone === undefined)
    .map(([name]) => name)
}

/** The specs the engine runs, from a config that passed every check. */
export function scheduleSpecs(raw: JobdeckConfig): Map<string, ScheduleSpec> {
  const specs = new Map<string, ScheduleSpec>()
  for (const [name, s] of Object.entries(raw.schedules)) {
    const type = raw.jobs[s.job] as JobTypeConfig
    const params = validateParams(type.params, s.params)
    const every = s.every !== undefined ? parseEvery(s.every) : null
    specs.set(name, {
      name,
      job: s.job,
      params: params.ok ? params.params : {},
      cron: s.cron ?? null,
      every: s.every === undefined ? null : String(s.every),
      everyMs: every?.ok ? every.ms : null,
      timezone: s.timezone ?? machineZone(),
      priority: s.priority ?? null,
      missed: s.missed,
      catchupWindowMs: s.catchupWindow,
      overlap: s.overlap,
      jitterMs: s.jitter,
      enabled: s.enabled,
      notifySkipped: s.notifySkipped,
    })
  }
  return specs
}

function someNames(names: readonly string[], shown = 20): string {
  return names.length <= shown ? names.join(', ') : `${names.slice(0, shown).join(', ')} … and ${names.length - shown} more`
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
