// `jobdeck audit [--json] [--since 24h|DATE] [--who NAME] [--method M] [--limit N]`: who changed
// what, newest first (when, who, method, targets, outcome, summary). In shared mode every
// instance's records, from PostgreSQL. JSON is a top-level array of the API's records.
import { absoluteTime } from '../../src-shared/local-time'
import type { AuditRecord } from '../../src-shared/access'
import { callApi, typed } from './api-call'
import { parseInstant, str, wholeNumber, withCore, type Command } from './commands'
import { printJson, printLine, table } from './output'

/** `01J…, 01J… (+23 more)`: the ids a record names, the rest counted. */
export function targetsText(record: AuditRecord): string {
  const shown = record.targets.slice(0, 3)
  const more = record.targetCount - shown.length
  return `${shown.join(', ')}${more > 0 ? ` (+${more} more)` : ''}`
}

function printRecords(records: AuditRecord[]): void {
  if (records.length === 0) {
    printLine('no audit records match')
    return
  }
  process.stdout.write(
    table(
      ['when', 'who', 'method', 'targets', 'outcome', 'summary'],
      records.map((r) => [absoluteTime(r.at), r.who, r.method, targetsText(r), r.outcome === 'ok' ? 'ok' : `${r.outcome}: ${r.message ?? ''}`.slice(0, 80), r.summary]),
    ),
  )
}

export const auditCommand: Command = {
  summary: 'who changed what: the audit log, newest first (window, CLI, HTTP tokens, schedules)',
  usage: 'jobdeck audit [--json] [--since 24h|DATE] [--who NAME] [--method METHOD] [--limit N]',
  positionals: [],
  options: {
    json: { type: 'boolean' },
    since: { type: 'string' },
    who: { type: 'string' },
    method: { type: 'string' },
    limit: { type: 'string' },
  },
  async run({ values }) {
    const limitText = str(values, 'limit') ?? '200'
    const limit = wholeNumber(limitText, '--limit')
    const since = str(values, 'since')
    const who = str(values, 'who')
    const method = str(values, 'method')
    return withCore(values, async (core) => {
      const records = await callApi(
        core,
        'audit.list',
        {
          limit,
          ...(since !== undefined ? { since: parseInstant(since, '--since') } : {}),
          ...(who !== undefined ? { who } : {}),
          ...(method !== undefined ? { method } : {}),
        },
        { limit: typed('--limit', limitText), who: typed('--who', who), method: typed('--method', method) },
      )
      if (values.json === true) printJson(records)
      else printRecords(records)
      return 0
    })
  },
}
