// `jobdeck schedules [pause|resume|run NAME]`, `jobdeck fires` and the fire times `jobdeck
// validate` prints. JSON output is a top-level array of the API's objects.
import { absoluteTime } from '../../src-shared/local-time'
import { JobdeckError } from '../../src-shared/errors'
import type { ScheduleInfo } from '../../src-shared/schedules'
import { parseDuration } from '../../src-shared/units'
import type { LoadedConfig } from '../core/config/load-config'
import { describeTiming, FireTimes, timingOf } from '../core/model/schedule-times'
import { callApi, typed } from './api-call'
import { parseInstant, str, wholeNumber, withCore, type Command } from './commands'
import { printJson, printLine, table } from './output'

/** `2026-03-29 03:00:00` as the wall clock of `zone` shows it. */
export function zoneTime(ms: number, zone: string): string {
  return new Intl.DateTimeFormat('sv-SE', {
    timeZone: zone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).format(ms)
}

/** After `validate`: each schedule's next 3 fires in its zone and in UTC. */
export function printScheduleFires(config: LoadedConfig, now: number): void {
  if (config.schedules.size === 0) return
  printLine(`${config.schedules.size} schedule${config.schedules.size === 1 ? '' : 's'}:`)
  for (const spec of config.schedules.values()) {
    const state = spec.enabled ? '' : ' (disabled)'
    printLine(`  ${spec.name}: ${spec.job}, ${describeTiming(spec)} (${spec.cron ?? `every ${spec.every}`}) in ${spec.timezone}${state}`)
    for (const t of new FireTimes(timingOf(spec)).next(now, 3)) {
      printLine(`    ${zoneTime(t, spec.timezone)} ${spec.timezone}  =  ${new Date(t).toISOString()}`)
    }
  }
}

/** `--until 2h` (that long from now) or a date. */
function untilInstant(text: string): number {
  const ahead = parseDuration(text)
  if (ahead !== null) return Date.now() + ahead
  const ms = Date.parse(text)
  if (Number.isFinite(ms)) return ms
  throw new JobdeckError('invalid_input', `--until: expected a duration like 2h or 3d (from now), or a date like 2026-01-31T08:00, got "${text}"`)
}

function stateOf(s: ScheduleInfo): string {
  if (!s.enabled) return 'disabled'
  if (s.paused) return s.pausedUntil ? `paused until ${absoluteTime(s.pausedUntil)}` : 'paused'
  return 'active'
}

function printSchedules(list: ScheduleInfo[]): void {
  if (list.length === 0) {
    process.stdout.write('no schedules in the config\n')
    return
  }
  process.stdout.write(
    table(
      ['schedule', 'job', 'when', 'zone', 'next', 'state', 'last fire'],
      list.map((s) => [
        s.name,
        s.job,
        s.description,
        s.timezone,
        s.nextFires[0] ? absoluteTime(s.nextFires[0]) : '—',
        stateOf(s),
        s.lastFire ? `${s.lastFire.outcome} ${absoluteTime(s.lastFire.scheduledFor)}${s.lastFire.jobId ? ` ${s.lastFire.jobId}` : ''}` : '—',
      ]),
    ),
  )
}

const USAGE = 'jobdeck schedules [--json] | schedules pause NAME [--until DATE|2h] | schedules resume NAME | schedules run NAME'

export const schedulesCommand: Command = {
  summary: 'list schedules with their next fire; pause, resume or run one now',
  usage: USAGE,
  positionals: ['ACTION', 'NAME'],
  options: { json: { type: 'boolean' }, until: { type: 'string' } },
  async run({ values, positionals }) {
    const [action, name] = positionals
    const json = values.json === true
    const until = str(values, 'until')
    if (action === undefined) {
      if (until !== undefined) throw new JobdeckError('invalid_input', `--until goes with \`schedules pause NAME\`\nusage: ${USAGE}`)
      return withCore(values, async (core) => {
        const list = await callApi(core, 'schedules.list', {})
        if (json) printJson(list)
        else printSchedules(list)
        return 0
      })
    }
    if (!['pause', 'resume', 'run'].includes(action)) {
      throw new JobdeckError('invalid_input', `unknown action "${action}"; expected pause, resume or run\nusage: ${USAGE}`)
    }
    if (name === undefined) throw new JobdeckError('invalid_input', `schedules ${action}: expected a schedule name\nusage: ${USAGE}`)
    if (until !== undefined && action !== 'pause') throw new JobdeckError('invalid_input', `--until goes with \`schedules pause NAME\`\nusage: ${USAGE}`)
    return withCore(values, async (core) => {
      const place = { name: typed('NAME', name) }
      if (action === 'run') {
        const { fire, job } = await callApi(core, 'schedules.runNow', { name }, place)
        if (json) printJson([{ fire, job }])
        else printLine(`${name}: enqueued ${job.id} (${job.type}, lane ${job.lane}) as a manual fire`)
        return 0
      }
      const info =
        action === 'pause'
          ? await callApi(core, 'schedules.pause', { name, ...(until !== undefined ? { until: untilInstant(until) } : {}) }, { ...place, until: typed('--until', until) })
          : await callApi(core, 'schedules.resume', { name }, place)
      if (json) printJson([info])
      else printLine(`${name}: ${stateOf(info)}${info.nextFires[0] ? `; next fire ${absoluteTime(info.nextFires[0])}` : ''}`)
      return 0
    })
  },
}

export const firesCommand: Command = {
  summary: "list schedules' fires, newest first, with what each did and why",
  usage: 'jobdeck fires [--json] [--schedule NAME] [--outcome enqueued|skipped|missed|paused|manual] [--since 24h|DATE] [--limit N]',
  positionals: [],
  options: {
    json: { type: 'boolean' },
    schedule: { type: 'string' },
    outcome: { type: 'string' },
    since: { type: 'string' },
    limit: { type: 'string' },
  },
  async run({ values }) {
    const schedule = str(values, 'schedule')
    const outcome = str(values, 'outcome')
    const since = str(values, 'since')
    const limitText = str(values, 'limit') ?? '1000'
    const limit = wholeNumber(limitText, '--limit')
    return withCore(values, async (core) => {
      const fires = await callApi(
        core,
        'schedules.fires',
        {
          limit,
          ...(schedule !== undefined ? { schedule } : {}),
          ...(outcome !== undefined ? { outcome } : {}),
          ...(since !== undefined ? { since: parseInstant(since, '--since') } : {}),
        },
        { limit: typed('--limit', limitText), schedule: typed('--schedule', schedule), outcome: typed('--outcome', outcome), since: typed('--since', since) },
      )
      if (values.json) {
        printJson(fires)
        return 0
      }
      if (fires.length === 0) {
        process.stdout.write('no fires match\n')
        return 0
      }
      process.stdout.write(
        table(
          ['scheduled for', 'schedule', 'outcome', 'fired', 'job', 'reason'],
          fires.map((f) => [absoluteTime(f.scheduledFor), f.schedule, f.outcome, absoluteTime(f.firedAt), f.jobId ?? '—', f.reason ?? '']),
        ),
      )
      return 0
    })
  },
}
