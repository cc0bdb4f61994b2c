// `jobdeck sources [--json]`: each source's state, rows, last sync, poll cost and index advice,
// from the cache (the runner, serve or the app poll them); `jobdeck sources sync [NAME]`: one pull
// now, for scripts (exit 1 when a source could not be read); `jobdeck sources test NAME`: the
// table's check without mirroring. JSON output is a top-level array of the API's objects.
import { absoluteTime } from '../../src-shared/local-time'
import { JobdeckError } from '../../src-shared/errors'
import type { SourceInfo, SourceTestResult } from '../../src-shared/sources'
import { callApi, typed } from './api-call'
import { withCore, type Command } from './commands'
import { printJson, printLine, table } from './output'

/** `online`, `offline since 2026-12-05 22:04:11`, `error`, `connecting`. */
export function sourceStateText(s: SourceInfo): string {
  if (s.status === 'offline') return s.offlineSince ? `offline since ${absoluteTime(s.offlineSince)}` : 'offline'
  return s.status
}

function stuckAfterText(s: SourceInfo): string {
  return 'ms' in s.stuckAfter ? `${Math.round(s.stuckAfter.ms / 60_000)}m` : `p95x${s.stuckAfter.p95Times}`
}

function indexText(s: SourceInfo): string {
  if (s.index === null) return 'not checked yet'
  return s.index.indexed ? `indexed (${s.index.plan})` : `NOT indexed (${s.index.plan}): ${s.index.createIndex ?? ''}`
}

function printSources(list: SourceInfo[]): void {
  if (list.length === 0) {
    printLine('no sources in the config')
    return
  }
  process.stdout.write(
    table(
      ['source', 'table', 'state', 'rows', 'waiting', 'running', 'stuck', 'last sync', 'poll', 'markFailed'],
      list.map((s) => [
        s.name,
        s.table,
        sourceStateText(s),
        String(s.rows),
        String(s.queued),
        String(s.running),
        String(s.stuck),
        absoluteTime(s.lastSyncAt),
        s.pollMs === null ? '—' : `${s.pollMs} ms`,
        s.actions.markFailed ? 'enabled' : 'disabled',
      ]),
      new Set([3, 4, 5, 6]),
    ),
  )
  for (const s of list) {
    printLine(`${s.name}: index: ${indexText(s)}; stuck after ${stuckAfterText(s)}; every ${s.pollEveryMs / 1000}s${s.listen ? `, LISTEN ${s.listen}` : ''}`)
    if (!s.actions.markFailed) printLine(`${s.name}: markFailed is disabled (enable with actions: { markFailed: true } under sources.${s.name})`)
    // Errors that already name the source (most do) are not prefixed twice.
    if (s.error) for (const line of s.error.split('\n')) printLine(line.startsWith(`${s.name}: `) ? line : `${s.name}: ${line}`)
  }
}

function printTest(name: string, result: SourceTestResult): void {
  printLine(`${name}: ${result.ok ? 'ok' : 'problems'}${result.latencyMs === null ? '' : `, ${result.latencyMs} ms`}${result.rowEstimate === null ? '' : `, about ${result.rowEstimate} rows`}`)
  for (const problem of result.problems) printLine(problem)
  if (result.index) printLine(`index: ${result.index.indexed ? 'indexed' : 'NOT indexed'} (${result.index.plan})${result.index.createIndex ? `: ${result.index.createIndex}` : ''}`)
}

const USAGE = 'jobdeck sources [--json] | sources sync [NAME] [--json] | sources test NAME [--json]'

export const sourcesCommand: Command = {
  summary: "other systems' job tables: state, rows, last sync, poll cost, index advice; sync one now",
  usage: USAGE,
  positionals: ['ACTION', 'NAME'],
  options: { json: { type: 'boolean' } },
  async run({ values, positionals }) {
    const [action, name] = positionals
    const json = values.json === true
    if (action !== undefined && action !== 'sync' && action !== 'test') {
      throw new JobdeckError('invalid_input', `unknown action "${action}"; expected sync or test\nusage: ${USAGE}`)
    }
    if (action === undefined && name !== undefined) throw new JobdeckError('invalid_input', `expected an action before ${JSON.stringify(name)}\nusage: ${USAGE}`)
    return withCore(values, async (core) => {
      const place = { name: typed('NAME', name) }
      if (action === 'test') {
        if (name === undefined) throw new JobdeckError('invalid_input', `sources test: expected a source name\nusage: ${USAGE}`)
        const result = await callApi(core, 'sources.test', { name }, place)
        if (json) printJson([result])
        else printTest(name, result)
        return result.ok ? 0 : 1
      }
      const list = action === 'sync' ? await callApi(core, 'sources.sync', name === undefined ? {} : { name }, place) : await callApi(core, 'sources.list', {})
      if (json) printJson(list)
      else printSources(list)
      return action === 'sync' && list.some((s) => s.status !== 'online') ? 1 : 0
    })
  },
}
