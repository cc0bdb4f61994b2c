// `jobdeck history`: runs newest first, filtered like the History view (type, status, source,
// time, and its full-text search over errors and output). JSON is a top-level array of the API's
// runs, each with `source` (null for Jobdeck's own) and `stuck`.
import { attemptCount, attemptShort } from '../../src-shared/attempts'
import type { ListedRun } from '../../src-shared/search'
import { isStuck } from '../../src-shared/sources'
import { formatBytes } from '../../src-shared/units'
import type { Core } from '../core/core'
import { callApi, typed } from './api-call'
import { parseInstant, str, wholeNumber, withCore, type Command } from './commands'
import { printJson, runDuration, table } from './output'
import { matchText, runSourceText, runStartText, runStatusText } from './wording'

function printRuns(core: Core, runs: ListedRun[], searched: boolean): void {
  if (runs.length === 0) {
    process.stdout.write('no runs match\n')
    return
  }
  // A source column only when some run came from one: Jobdeck alone prints as before.
  const sourced = runs.some((r) => r.source !== null)
  const headers = ['run', 'type', ...(sourced ? ['source'] : []), 'status', 'attempt', 'started', 'duration', 'peak RSS', 'CPU s', 'lane', searched ? 'match' : 'error']
  const numeric = sourced ? new Set([4, 7, 8]) : new Set([3, 6, 7])
  process.stdout.write(
    table(
      headers,
      runs.map((r) => [
        r.id,
        r.type,
        ...(sourced ? [runSourceText(r)] : []),
        runStatusText(r),
        attemptShort(attemptCount(r.attempt, core.config.current.types.get(r.type)?.retries.max ?? null)),
        runStartText(r),
        r.startKind === 'unknown' ? '—' : runDuration(r),
        r.peakRssBytes === null ? '—' : formatBytes(r.peakRssBytes),
        r.cpuSeconds === null ? '—' : r.cpuSeconds.toFixed(1),
        r.lane,
        searched ? matchText(r.match) : (r.error ?? ''),
      ]),
      numeric,
    ),
  )
}

export const historyCommand: Command = {
  summary: 'list runs, newest first (by source, or found by words in their errors and output)',
  usage: 'jobdeck history [--json] [--type T] [--status S] [--source NAME|-] [--search TEXT] [--since 24h|DATE] [--limit N] [--offline]',
  positionals: [],
  options: {
    json: { type: 'boolean' },
    offline: { type: 'boolean' },
    type: { type: 'string' },
    status: { type: 'string' },
    source: { type: 'string' },
    search: { type: 'string' },
    since: { type: 'string' },
    limit: { type: 'string' },
  },
  async run({ values }) {
    const status = str(values, 'status')
    const limitText = str(values, 'limit') ?? '1000'
    const limit = wholeNumber(limitText, '--limit')
    const since = str(values, 'since')
    const type = str(values, 'type')
    const source = str(values, 'source')
    const search = str(values, 'search')
    return withCore(values, async (core) => {
      const runs = await callApi(
        core,
        'runs.list',
        {
          limit,
          ...(type ? { type } : {}),
          ...(status !== undefined ? { status } : {}),
          ...(source !== undefined ? { source } : {}),
          ...(search !== undefined ? { search } : {}),
          ...(since ? { since: parseInstant(since, '--since') } : {}),
        },
        {
          limit: typed('--limit', limitText),
          status: typed('--status', status),
          type: typed('--type', type),
          source: typed('--source', source),
          search: typed('--search', search),
          since: typed('--since', since),
        },
      )
      if (values.json) printJson(runs.map((r) => ({ ...r, source: r.source, stuck: isStuck(r) })))
      else printRuns(core, runs, search !== undefined && search.trim() !== '')
      return 0
    }, { offline: values.offline === true })
  },
}
