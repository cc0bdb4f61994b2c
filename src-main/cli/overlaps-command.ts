// `jobdeck overlaps`: pairs of runs that ran at the same time, across sources and Jobdeck's own
// lanes, longest shared span first. JSON is a top-level array of the API's overlaps.
import { absoluteTime } from '../../src-shared/local-time'
import type { Overlap } from '../../src-shared/sources'
import { formatDuration } from '../../src-shared/units'
import { callApi, typed } from './api-call'
import { parseInstant, str, wholeNumber, withCore, type Command } from './commands'
import { printJson, table } from './output'
import { overlapLaneText, overlapRunText } from './wording'

function printOverlaps(overlaps: Overlap[], since: number): void {
  if (overlaps.length === 0) {
    process.stdout.write(`no runs overlapped since ${absoluteTime(new Date(since).toISOString())}\n`)
    return
  }
  process.stdout.write(
    table(
      ['from', 'to', 'shared', 'run a', 'run b', 'lanes'],
      overlaps.map((o) => [absoluteTime(o.from), absoluteTime(o.to), formatDuration(o.seconds * 1000), overlapRunText(o.a), overlapRunText(o.b), overlapLaneText(o)]),
      new Set([2]),
    ),
  )
}

export const overlapsCommand: Command = {
  summary: 'list runs that ran at the same time (across sources and lanes), longest first',
  usage: 'jobdeck overlaps [--since 24h|DATE] [--until DATE] [--source NAME|-] [--same-lane] [--limit N] [--json] [--offline]',
  positionals: [],
  options: {
    json: { type: 'boolean' },
    offline: { type: 'boolean' },
    since: { type: 'string' },
    until: { type: 'string' },
    source: { type: 'string' },
    'same-lane': { type: 'boolean' },
    limit: { type: 'string' },
  },
  async run({ values }) {
    const sinceText = str(values, 'since') ?? '24h'
    const since = parseInstant(sinceText, '--since')
    const untilText = str(values, 'until')
    const source = str(values, 'source')
    const limitText = str(values, 'limit') ?? '1000'
    const limit = wholeNumber(limitText, '--limit')
    return withCore(values, async (core) => {
      const overlaps = await callApi(
        core,
        'overlaps.list',
        {
          since,
          limit,
          ...(untilText !== undefined ? { until: parseInstant(untilText, '--until') } : {}),
          ...(source !== undefined ? { source } : {}),
          ...(values['same-lane'] === true ? { sameLane: true } : {}),
        },
        { since: typed('--since', sinceText), until: typed('--until', untilText), source: typed('--source', source), limit: typed('--limit', limitText) },
      )
      if (values.json) printJson(overlaps)
      else printOverlaps(overlaps, since)
      return 0
    }, { offline: values.offline === true })
  },
}
