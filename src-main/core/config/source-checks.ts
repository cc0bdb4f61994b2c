// The checks of `sources:` the schema cannot make: the connection exists (or the shared `postgres:`
// database for the default), `where:` is one SQL condition, the table and column names are plain
// identifiers, a mapped table can find what changed, a type is not given twice, and
// `actions.markFailed` has a running and a failed value to work with. Then the specs the mirror
// runs, with where each column and status is written. The table itself is checked at connect: an
// unreachable source never makes the config invalid.
import type { JobdeckConfig } from '../../../src-shared/config-schema'
import { PRESETS } from '../sources/presets'
import { buildSourceSpec, isPlainColumn, valuesMeaning, type PlaceOf, type SourceSpec } from '../sources/source-spec'
import { dottedPath, type PathKey } from './yaml-positions'
import type { ConfigProblem } from './zod-issues'

/** Why `where` is not one SQL condition, or null. It runs inside the poll's own WHERE, in parens. */
export function whereProblem(where: string): string | null {
  let depth = 0
  let quote: string | null = null
  for (let i = 0; i < where.length; i++) {
    const c = where[i] as string
    if (quote !== null) {
      if (c === quote) {
        if (where[i + 1] === quote) i++
        else quote = null
      }
      continue
    }
    if (c === "'" || c === '"') quote = c
    else if (c === ';') return `expected one SQL condition, found \`;\` at character ${i + 1} (one condition, no second statement)`
    else if (c === '-' && where[i + 1] === '-') return `expected one SQL condition, found a comment \`--\` at character ${i + 1}`
    else if (c === '/' && where[i + 1] === '*') return `expected one SQL condition, found a comment \`/*\` at character ${i + 1}`
    else if (c === '$' && /^\$[A-Za-z_0-9]*\$/.test(where.slice(i))) return `expected one SQL condition, found a dollar-quoted string at character ${i + 1}`
    else if (c === '(') depth++
    else if (c === ')') {
      depth--
      if (depth < 0) return `expected one SQL condition, found \`)\` without its \`(\` at character ${i + 1}`
    }
  }
  if (quote !== null) return `expected one SQL condition, found a ${quote === "'" ? "string ('…')" : 'quoted name ("…")'} that is never closed`
  if (depth > 0) return `expected one SQL condition, found ${depth} \`(\` never closed`
  if (where.trim() === '') return 'expected an SQL condition, got nothing'
  return null
}

export function checkSources(data: Record<string, unknown>): ConfigProblem[] {
  if (!isRecord(data.sources)) return []
  const connections = isRecord(data.connections) ? data.connections : {}
  const hasPostgres = isRecord(data.postgres)
  const problems: ConfigProblem[] = []
  for (const [name, raw] of Object.entries(data.sources)) {
    if (!isRecord(raw)) continue
    const base: PathKey[] = ['sources', name]
    const say = (path: PathKey[], message: string, at: 'value' | 'key' = 'value'): void => {
      problems.push({ path, at, message: `${dottedPath(path)}: ${message}` })
    }
    if (typeof raw.connection === 'string' && !Object.hasOwn(connections, raw.connection)) {
      const known = Object.keys(connections)
      say([...base, 'connection'], `unknown connection ${JSON.stringify(raw.connection)}; the config declares under connections: ${known.length ? known.join(', ') : 'none'}`)
    }
    if (raw.connection === undefined && !hasPostgres) {
      say(base, 'no `connection:` and no shared `postgres:` database to read the table from; add `connection: NAME` (declared under connections:) or a `postgres:` section', 'key')
    }
    if (typeof raw.where === 'string') {
      const why = whereProblem(raw.where)
      if (why) say([...base, 'where'], why)
    }
    if (typeof raw.table === 'string' && !/^([A-Za-z_][A-Za-z0-9_$]*\.)?[A-Za-z_][A-Za-z0-9_$]*$/.test(raw.table)) {
      say([...base, 'table'], `expected a table as \`schema.table\` or \`table\` (letters, digits, _ or $), got ${JSON.stringify(raw.table)}`)
    }
    const columns = isRecord(raw.columns) ? raw.columns : {}
    for (const [key, column] of Object.entries(columns)) {
      if (typeof column === 'string' && !isPlainColumn(column)) {
        say([...base, 'columns', key], `expected a column name (letters, digits, _ or $), got ${JSON.stringify(column)}`)
      }
    }
    if (typeof raw.type === 'string' && columns.type !== undefined) {
      say([...base, 'type'], 'a constant `type:` and `columns.type` both name the type; keep one')
    }
    const preset = typeof raw.preset === 'string' ? PRESETS[raw.preset as keyof typeof PRESETS] : undefined
    if (typeof raw.preset === 'string' && preset === undefined && raw.table === undefined) {
      say([...base, 'preset'], `the ${raw.preset} preset is not available in this build yet; map the table with \`table:\`, \`columns:\` and \`statuses:\``)
    }
    const finds = ['updated', 'created'].some((key) => columns[key] !== undefined) || preset !== undefined
    if (!finds && raw.table !== undefined) {
      say(base, 'a mapped table needs `columns.updated` (a column every change sets) or `columns.created`, so a poll reads what changed rather than the whole table', 'key')
    }
    const actions = isRecord(raw.actions) ? raw.actions : {}
    if (actions.markFailed === true && preset?.markFailedRefused !== undefined) {
      say([...base, 'actions', 'markFailed'], `the ${String(raw.preset)} preset does not offer markFailed: ${preset.markFailedRefused}`)
    }
    if (actions.markFailed === true && (raw.statuses !== undefined || preset === undefined)) {
      const statuses = isRecord(raw.statuses) ? (raw.statuses as Record<string, never>) : {}
      const merged = { ...(preset?.statuses ?? {}), ...statuses }
      const running = valuesMeaning(merged, 'running')
      if (running.length !== 1 || valuesMeaning(merged, 'failed').length === 0) {
        say([...base, 'actions', 'markFailed'], `markFailed sets a running row's status to the value mapped to failed, guarded by the one value mapped to running; \`statuses:\` maps ${running.length === 0 ? 'no value' : `${running.length} values (${running.join(', ')})`} to running${valuesMeaning(merged, 'failed').length === 0 ? ' and none to failed' : ''}`)
      }
    }
  }
  return problems
}

/** The specs the mirror runs, from a config that passed every check. */
export function sourceSpecs(raw: JobdeckConfig, place: PlaceOf): Map<string, SourceSpec> {
  const specs = new Map<string, SourceSpec>()
  for (const [name, config] of Object.entries(raw.sources)) specs.set(name, buildSourceSpec(name, config, place))
  return specs
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
