// `sources:` as an operator writes it: every mistake at its file:line:col, in one pass, and the
// resolved specs with where each column and status is written.
import { describe, expect, it } from 'vitest'
import { parseConfigText, type ConfigLoadResult } from './load-config'
import { whereProblem } from './source-checks'

const HEAD = `connections:
  app: { url: "postgres://readonly@db.internal:5432/app" }
jobs:
  nap: { command: [node, -e, ""] }
sources:
`
const LINE = HEAD.split('\n').length

const parse = (sources: string, head = HEAD): ConfigLoadResult => parseConfigText(`${head}${sources}`, '/cfg/jobdeck.yaml')

function located(result: ConfigLoadResult): string[] {
  if (result.ok) throw new Error('expected the config to be rejected')
  return result.errors.map((e) => `${e.line}:${e.col}: ${e.message}`)
}

describe('sources in the config', () => {
  it("the issue's example loads; the preset merges with the overrides, each column and status placed", () => {
    const result = parse(`  legacy:
    connection: app
    preset: background_jobs
    columns: { finished: done_at }
    statuses: { cancelled: canceled }
    poll: 15s
    listen: jobs_changed
    since: 7d
    stuckAfter: p95x3
    actions: { markFailed: true }
`)
    if (!result.ok) throw new Error(result.errors.map((e) => e.message).join('\n'))
    const spec = result.config.sources.get('legacy')
    expect(spec).toMatchObject({
      preset: 'background_jobs',
      connection: 'app',
      tableText: 'public.background_jobs',
      columns: { id: '"id"', finished: '"done_at"', created: '"created_at"' },
      statuses: { pending: 'queued', running: 'running', completed: 'succeeded', failed: 'failed', cancelled: 'canceled' },
      statusesAt: `sources.legacy.statuses (jobdeck.yaml:${LINE + 4}:5)`,
      changesBy: 'created',
      pollMs: 15_000,
      listen: 'jobs_changed',
      sinceMs: 7 * 86_400_000,
      stuckAfter: { p95Times: 3 },
      markFailed: { enabled: true, running: 'running', failed: 'failed', finishedColumn: 'done_at' },
    })
    expect(spec?.requires.find((r) => r.key === 'finished')).toEqual({ column: 'done_at', key: 'finished', at: `jobdeck.yaml:${LINE + 3}:26` })
    expect(spec?.requires.find((r) => r.key === 'id')).toEqual({ column: 'id', key: 'id', at: `jobdeck.yaml:${LINE + 2}:13` })
    expect(spec?.requires.some((r) => r.column === 'completed_at')).toBe(false)
    expect(spec?.statusAt).toMatchObject({ cancelled: `jobdeck.yaml:${LINE + 4}:17`, pending: `jobdeck.yaml:${LINE + 2}:13` })
  })

  it('every error names file:line:col: unknown connection, no database, where:, names, both types, nothing to poll by, markFailed without values', () => {
    const result = parse(`  a:
    connection: warehouse
    preset: background_jobs
    where: "status = 'x'; DROP TABLE users"
  b:
    table: "public.my jobs"
    columns: { id: id, status: "state; --", type: kind }
    type: report
    statuses: { done: succeeded, busy: running, running: running }
    actions: { markFailed: true }
    connection: app
`)
    expect(located(result)).toEqual([
      `${LINE + 1}:17: sources.a.connection: unknown connection "warehouse"; the config declares under connections: app`,
      `${LINE + 3}:12: sources.a.where: expected one SQL condition, found \`;\` at character 13 (one condition, no second statement)`,
      `${LINE + 4}:3: sources.b: a mapped table needs \`columns.updated\` (a column every change sets) or \`columns.created\`, so a poll reads what changed rather than the whole table`,
      `${LINE + 5}:12: sources.b.table: expected a table as \`schema.table\` or \`table\` (letters, digits, _ or $), got "public.my jobs"`,
      `${LINE + 6}:32: sources.b.columns.status: expected a column name (letters, digits, _ or $), got "state; --"`,
      `${LINE + 7}:11: sources.b.type: a constant \`type:\` and \`columns.type\` both name the type; keep one`,
      `${LINE + 9}:28: sources.b.actions.markFailed: markFailed sets a running row's status to the value mapped to failed, guarded by the one value mapped to running; \`statuses:\` maps 2 values (busy, running) to running and none to failed`,
    ])
  })

  it('a source without connection: needs the shared postgres: database', () => {
    const head = `jobs:\n  nap: { command: [node, -e, ""] }\nsources:\n`
    expect(located(parse(`  legacy:\n    preset: batch_jobs\n`, head))).toEqual([
      '4:3: sources.legacy: no `connection:` and no shared `postgres:` database to read the table from; add `connection: NAME` (declared under connections:) or a `postgres:` section',
    ])
    const shared = parse(`  legacy:\n    preset: batch_jobs\n`, `postgres: { url: "postgres://jobdeck@db:5432/jobdeck" }\n${head}`)
    expect(shared.ok && shared.config.sources.get('legacy')?.connection).toBe(null)
  })

  it('a statuses: value outside the meanings is named with the meanings', () => {
    const errors = located(parse(`  legacy:\n    connection: app\n    preset: background_jobs\n    statuses: { archived: gone }\n`))
    expect(errors).toEqual([`${LINE + 3}:27: sources.legacy.statuses.archived: expected one of queued, running, succeeded, partial, failed, canceled, got "gone"`])
  })
})

describe('where: is one SQL condition', () => {
  it.each([
    ["queue = 'default'", null],
    ["name = 'it''s; fine' AND (a > 1 OR b < 2)", null],
    ['"weird;col" = 1', null],
    ["queue = 'default' -- and more", 'expected one SQL condition, found a comment `--` at character 19'],
    ['a = 1 /* x */', 'expected one SQL condition, found a comment `/*` at character 7'],
    ["queue = 'default", "expected one SQL condition, found a string ('…') that is never closed"],
    ['(a = 1', 'expected one SQL condition, found 1 `(` never closed'],
    ['a = 1)', 'expected one SQL condition, found `)` without its `(` at character 6'],
    ['a = $$x$$', 'expected one SQL condition, found a dollar-quoted string at character 5'],
  ])('%s', (where, problem) => {
    expect(whereProblem(where)).toBe(problem)
  })
})
